//! Reading smbtorture's output: the subunit (version 1) text it prints by default, with the
//! tests' own chatter in between.
//!
//! A subtest starts with `test: NAME` and ends with `success: NAME`, `failure: NAME`,
//! `error: NAME`, `skip: NAME`, `xfail: NAME` or `uxsuccess: NAME`; all but `success` usually
//! carry a reason between ` [` at the end of the line and a line holding only `]`. Tests print
//! text without a final newline now and then, so a result may follow that text on the same
//! line: it is still recognised there when it names the subtest that is running.

/// How a subtest ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// `success:`.
    Success,
    /// `failure:`: an expectation did not hold.
    Failure,
    /// `error:`: the test could not run to the end (setup failed, connection lost, ...).
    Error,
    /// `skip:`: the test decided not to run.
    Skip,
    /// `xfail:`: an expected failure.
    Xfail,
    /// `uxsuccess:`: an unexpected success.
    UxSuccess,
    /// Started (`test:`) but no result: smbtorture died or was stopped during it.
    Unfinished,
}

impl Outcome {
    /// The subunit keyword (or `unfinished`).
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Error => "error",
            Outcome::Skip => "skip",
            Outcome::Xfail => "xfail",
            Outcome::UxSuccess => "uxsuccess",
            Outcome::Unfinished => "unfinished",
        }
    }
}

/// Result keywords and the outcome each one means (subunit v1 accepts the long forms too).
const RESULTS: &[(&str, Outcome)] = &[
    ("success", Outcome::Success),
    ("successful", Outcome::Success),
    ("failure", Outcome::Failure),
    ("fail", Outcome::Failure),
    ("error", Outcome::Error),
    ("skip", Outcome::Skip),
    ("xfail", Outcome::Xfail),
    ("uxsuccess", Outcome::UxSuccess),
];

/// One subtest's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subtest {
    /// Its name as smbtorture prints it (without the suite), e.g. `LOCK1` or `one file search`.
    pub name: String,
    /// How it ended.
    pub outcome: Outcome,
    /// The reason smbtorture gave (the bracketed lines), empty when none.
    pub reason: String,
    /// The first line of the subtest's own output that reports a problem, if any: the only
    /// clue when the reason is smbtorture's "Unknown error/failure".
    pub clue: Option<String>,
}

impl Subtest {
    /// The first non-empty line of the reason.
    pub fn first_reason_line(&self) -> &str {
        self.reason
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("")
    }
}

/// Whether a line of a test's output reports a problem: smbtorture's tests mark those with
/// `**`, `ERROR`, `Incorrect status`, `failed`, `wrong` or `should be`.
fn is_clue(line: &str) -> bool {
    let l = line.trim_start();
    l.starts_with("**")
        || [
            "error",
            "incorrect",
            "failed",
            "wrong",
            "should be",
            "unexpected",
        ]
        .iter()
        .any(|w| l.to_ascii_lowercase().contains(w))
}

/// Everything read from one smbtorture run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Run {
    /// The subtests in the order they ended; a subtest that started without ending is last,
    /// as [`Outcome::Unfinished`].
    pub subtests: Vec<Subtest>,
    /// How many subtests smbtorture announced (`progress: N`), if it said.
    pub announced: Option<usize>,
    /// smbtorture's own crash message (`PANIC (pid N): Signal 11: ...`), if it crashed.
    pub panic: Option<String>,
}

impl Run {
    /// The subtest of that name.
    pub fn get(&self, name: &str) -> Option<&Subtest> {
        self.subtests.iter().find(|s| s.name == name)
    }

    /// The names of the subtests that passed.
    pub fn passed(&self) -> impl Iterator<Item = &str> {
        self.subtests
            .iter()
            .filter(|s| s.outcome == Outcome::Success)
            .map(|s| s.name.as_str())
    }
}

/// A result line: the outcome, the name and whether a bracketed reason follows.
fn result_line<'a>(line: &'a str, current: Option<&str>) -> Option<(Outcome, &'a str, bool)> {
    for &(word, outcome) in RESULTS {
        // At the start of the line, for any name.
        if let Some(rest) = line.strip_prefix(word).and_then(|r| r.strip_prefix(": ")) {
            let (name, bracket) = split_bracket(rest);
            return Some((outcome, name, bracket));
        }
    }
    // After text a test printed without a newline: only for the running subtest.
    let current = current?;
    for &(word, outcome) in RESULTS {
        for bracket in [false, true] {
            let tail = format!("{word}: {current}{}", if bracket { " [" } else { "" });
            if line.ends_with(&tail) {
                let start = line.len() - tail.len() + word.len() + 2;
                return Some((outcome, &line[start..start + current.len()], bracket));
            }
        }
    }
    None
}

fn split_bracket(rest: &str) -> (&str, bool) {
    let rest = rest.trim_end();
    match rest.strip_suffix(" [") {
        Some(name) => (name, true),
        None => match rest.strip_suffix('[') {
            Some(name) => (name.trim_end(), true),
            None => (rest, false),
        },
    }
}

/// Reads smbtorture's output.
pub fn parse(text: &str) -> Run {
    let mut run = Run::default();
    let mut current: Option<String> = None;
    let mut clue: Option<String> = None;
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some(name) = line
            .strip_prefix("test: ")
            .or_else(|| line.strip_prefix("testing: "))
        {
            // A subtest that started and never ended before the next one: unfinished.
            if let Some(prev) = current.replace(name.trim_end().to_string()) {
                run.subtests.push(Subtest {
                    name: prev,
                    outcome: Outcome::Unfinished,
                    reason: String::new(),
                    clue: clue.take(),
                });
            }
            clue = None;
            continue;
        }
        if let Some(n) = line.strip_prefix("progress: ") {
            // `progress: N` announces; `+N`, `-N`, `push` and `pop` adjust nested counts.
            if let Ok(n) = n.trim().parse::<usize>() {
                run.announced.get_or_insert(n);
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("PANIC (pid ") {
            // `PANIC (pid 838): Signal 11: Segmentation fault in 4.17.12-Debian`
            let what = rest.split_once("): ").map_or(rest, |(_, w)| w);
            let what = what.split(" in ").next().unwrap_or(what);
            run.panic.get_or_insert_with(|| what.trim().to_string());
            continue;
        }
        let Some((outcome, name, bracket)) = result_line(line, current.as_deref()) else {
            if current.is_some() && clue.is_none() && is_clue(line) {
                clue = Some(line.trim().to_string());
            }
            continue;
        };
        let mut reason = String::new();
        if bracket {
            for l in lines.by_ref() {
                if l == "]" {
                    break;
                }
                reason.push_str(l);
                reason.push('\n');
            }
        }
        let clue = if current.as_deref() == Some(name) {
            current = None;
            clue.take()
        } else {
            None
        };
        run.subtests.push(Subtest {
            name: name.to_string(),
            outcome,
            reason,
            clue,
        });
    }
    if let Some(name) = current {
        run.subtests.push(Subtest {
            name,
            outcome: Outcome::Unfinished,
            reason: String::new(),
            clue,
        });
    }
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    // Snippets of smbtorture 4.17.12 output (run against smbd and `smb serve`), with the
    // chatter between the subunit lines shortened.

    const LOCK_SUCCESS: &str = "smbtorture 4.17.12-Debian
Using seed 1796194446
time: 2026-12-02 06:54:06.702616
progress: 7
test: LOCK1
time: 2026-12-02 06:54:06.702689
Testing lock timeout with timeout=16
server slept for 16 seconds for a 16 second timeout
time: 2026-12-02 06:54:23.356246
success: LOCK1
test: LOCK2
time: 2026-12-02 06:54:23.356294
Testing pid context
time: 2026-12-02 06:54:23.612830
success: LOCK2
test: LOCK3
time: 2026-12-02 06:54:23.612882
Testing 32 bit offset rangesEstablishing 10 locks
Testing 10 locks
Removing 10 locks
time: 2026-12-02 06:54:24.609753
success: LOCK3
";

    #[test]
    fn successes() {
        let r = parse(LOCK_SUCCESS);
        assert_eq!(r.announced, Some(7));
        let names: Vec<&str> = r.passed().collect();
        assert_eq!(names, ["LOCK1", "LOCK2", "LOCK3"]);
        assert!(r.subtests.iter().all(|s| s.reason.is_empty()));
    }

    // base.delete against `smb serve`, then against smbd.
    const DELETE_FAILURE_AND_SKIP: &str = "test: deltest24
time: 2026-12-02 07:48:22.022512
time: 2026-12-02 07:48:22.023944
failure: deltest24 [
../../source4/torture/basic/delete.c:2443: cli1->tree->session->transport->error.e.nt_status was NT_STATUS_OK, expected NT_STATUS_OBJECT_NAME_NOT_FOUND: Incorrect status
]
test: deltest20
time: 2026-12-02 07:48:23.145930
time: 2026-12-02 07:48:23.202263
skip: deltest20 [
../../source4/torture/basic/delete.c:1869: This test doesn't work as user root.
]
test: deltest20a
time: 2026-12-02 07:48:23.202278
time: 2026-12-02 07:48:23.293204
success: deltest20a
";

    #[test]
    fn failure_with_reason_and_skip() {
        let r = parse(DELETE_FAILURE_AND_SKIP);
        let f = r.get("deltest24").unwrap();
        assert_eq!(f.outcome, Outcome::Failure);
        assert_eq!(
            f.first_reason_line(),
            "../../source4/torture/basic/delete.c:2443: cli1->tree->session->transport->error.e.nt_status was NT_STATUS_OK, expected NT_STATUS_OBJECT_NAME_NOT_FOUND: Incorrect status"
        );
        let s = r.get("deltest20").unwrap();
        assert_eq!(s.outcome, Outcome::Skip);
        assert!(s.reason.contains("doesn't work as user root"));
        assert_eq!(r.get("deltest20a").unwrap().outcome, Outcome::Success);
        assert_eq!(r.subtests.len(), 3);
    }

    const SFILEINFO_ERROR: &str = "progress: 6
test: base
time: 2026-12-02 07:02:41.998429
Test setattr
\tfname:          '\\testsfileinfo\\fname_test_62.txt'
time: 2026-12-02 07:02:42.051213
error: base [
Unknown error/failure. Missing torture_fail() or torture_assert_*() call?
]
test: rename
time: 2026-12-02 07:02:42.051226
time: 2026-12-02 07:02:43.055350
success: rename
";

    #[test]
    fn error() {
        let r = parse(SFILEINFO_ERROR);
        let e = r.get("base").unwrap();
        assert_eq!(e.outcome, Outcome::Error);
        assert_eq!(
            e.first_reason_line(),
            "Unknown error/failure. Missing torture_fail() or torture_assert_*() call?"
        );
        assert_eq!(e.clue, None);
        assert_eq!(r.passed().collect::<Vec<_>>(), ["rename"]);
        assert_eq!(r.announced, Some(6));
    }

    // base.winattr against `smb serve`: the reason says nothing, the output does.
    const WINATTR_ERROR: &str = "test: winattr
time: 2026-12-02 07:41:49.559115
smb_raw_fileinfo(1) of \\winattr1.file failed (NT_STATUS_NOT_SUPPORTED)
smb_raw_fileinfo(1) of \\winattr1.dir failed (NT_STATUS_NOT_SUPPORTED)
time: 2026-12-02 07:41:49.567361
error: winattr [
Unknown error/failure. Missing torture_fail() or torture_assert_*() call?
]
";

    #[test]
    fn error_with_a_clue_in_the_output() {
        let r = parse(WINATTR_ERROR);
        let e = r.get("winattr").unwrap();
        assert_eq!(e.outcome, Outcome::Error);
        assert_eq!(
            e.clue.as_deref(),
            Some("smb_raw_fileinfo(1) of \\winattr1.file failed (NT_STATUS_NOT_SUPPORTED)")
        );
    }

    // base.delaywrite against smbd, killed at the time limit during its ninth subtest.
    const DELAYWRITE_KILLED: &str = "time: 2026-12-02 06:56:46.446983
time: 2026-12-02 06:57:08.841887
success: delayed update of write time 3
test: delayed update of write time 3a
time: 2026-12-02 06:57:08.841905
Do a write on the file handle
fileinfo: Access(Wed Dec  2 06:57:09 2026 UTC) Write(Wed Dec  2 06:57:25 2026 UTC)
Server did not update write_time (correct)
Do a truncate SMBwrite [0] on the file handle
pathinfo: Access(Wed Dec  2 06:57:09 2026 UTC) Write(Wed Dec  2 06:57:48 2026 UTC)";

    #[test]
    fn died_midway() {
        let r = parse(DELAYWRITE_KILLED);
        assert_eq!(r.subtests.len(), 2);
        assert_eq!(r.subtests[0].name, "delayed update of write time 3");
        assert_eq!(r.subtests[0].outcome, Outcome::Success);
        let last = r.subtests.last().unwrap();
        assert_eq!(last.name, "delayed update of write time 3a");
        assert_eq!(last.outcome, Outcome::Unfinished);
    }

    // raw.search against `smb serve`: smbtorture itself crashed in its first subtest.
    const SEARCH_CRASHED: &str = "smbtorture 4.17.12-Debian
Using seed 1796195185
time: 2026-12-02 07:33:54.125601
progress: 8
test: one file search
time: 2026-12-02 07:33:54.125698
Testing one file searches
Testing STANDARD
Testing UNIX_INFO
search level UNIX_INFO(3) not supported by server
===============================================================
INTERNAL ERROR: Signal 11: Segmentation fault in pid 838 (4.17.12-Debian)
If you are running a recent Samba version, and if you think this problem is not yet fixed in the latest versions, please consider reporting this bug, see https://wiki.samba.org/index.php/Bug_Reporting
===============================================================
PANIC (pid 838): Signal 11: Segmentation fault in 4.17.12-Debian
BACKTRACE: 17 stack frames:
 #0 /usr/lib/x86_64-linux-gnu/samba/libgenrand-samba4.so.0(log_stack_trace+0x2e) [0x7f0d81be155e]
 #1 /usr/lib/x86_64-linux-gnu/samba/libgenrand-samba4.so.0(smb_panic+0x9) [0x7f0d81be17b9]
smb_panic(): calling panic action [/usr/share/samba/panic-action 838]
smb_panic(): action returned status 0
";

    #[test]
    fn crashed_midway() {
        let r = parse(SEARCH_CRASHED);
        assert_eq!(r.announced, Some(8));
        assert_eq!(r.panic.as_deref(), Some("Signal 11: Segmentation fault"));
        assert_eq!(r.subtests.len(), 1);
        assert_eq!(r.subtests[0].name, "one file search");
        assert_eq!(r.subtests[0].outcome, Outcome::Unfinished);
    }

    #[test]
    fn result_after_text_without_newline() {
        // A test's printf without "\n" glues the next subunit line to it: accepted only
        // for the subtest that is running.
        let r = parse(
            "test: LOCK3\nTesting 32 bit offset rangessuccess: LOCK3\n\
             test: LOCK4\nnoisefailure: LOCK4 [\nwhy\n]\nnoise success: LOCK9\n",
        );
        assert_eq!(r.get("LOCK3").unwrap().outcome, Outcome::Success);
        let f = r.get("LOCK4").unwrap();
        assert_eq!((f.outcome, f.reason.as_str()), (Outcome::Failure, "why\n"));
        assert!(r.get("LOCK9").is_none());
        assert_eq!(r.subtests.len(), 2);
    }

    #[test]
    fn subtest_without_result_before_the_next() {
        let r = parse("test: a\nchatter failed here\ntest: b\nsuccess: b\n");
        assert_eq!(r.subtests.len(), 2);
        assert_eq!(r.subtests[0].name, "a");
        assert_eq!(r.subtests[0].outcome, Outcome::Unfinished);
        assert_eq!(r.subtests[0].clue.as_deref(), Some("chatter failed here"));
        assert_eq!(r.subtests[1].outcome, Outcome::Success);
    }

    #[test]
    fn connection_refused_fails_every_subtest() {
        // Against a port nobody listens on: each subtest fails on its own.
        let r = parse(
            "progress: 7\ntest: LOCK1\ntime: 2026-12-02 07:01:48.485837\n\
             Failed to open connection - NT_STATUS_NO_MEMORY\ntime: 2026-12-02 07:01:48.486673\n\
             failure: LOCK1 [\n../../source4/torture/util_smb.c:806: Expression \
             `torture_open_connection(&cli1, torture_ctx, 0)' failed: Failed to open connection\n]\n",
        );
        assert_eq!(r.subtests.len(), 1);
        assert_eq!(r.subtests[0].outcome, Outcome::Failure);
        assert!(
            r.subtests[0]
                .first_reason_line()
                .ends_with("Failed to open connection")
        );
        assert_eq!(r.passed().count(), 0);
    }
}
