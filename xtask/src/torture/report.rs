//! Parity between the two servers, the comparison with the recorded baseline, and the
//! printed and markdown reports.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::parse::{Outcome, Run};

/// One side's run of one suite.
#[derive(Debug, Clone, Default)]
pub struct SideRun {
    /// What smbtorture printed, parsed.
    pub run: Run,
    /// Stopped at the time limit.
    pub timed_out: bool,
    /// smbtorture's exit code (None when killed or it could not start).
    pub exit: Option<i32>,
    /// The signal that ended smbtorture, if one did.
    pub signal: Option<i32>,
    /// Seconds it ran.
    pub secs: f64,
    /// Why the run could not take place at all (server did not start, ...), if so.
    pub setup_error: Option<String>,
}

impl SideRun {
    /// Why a subtest that did not pass on this side did not, in one line.
    pub fn why_not(&self, name: &str) -> String {
        if let Some(e) = &self.setup_error {
            return format!("not run: {e}");
        }
        match self.run.get(name) {
            Some(s) if s.outcome == Outcome::Unfinished && self.timed_out => "timed out".into(),
            Some(s) if s.outcome == Outcome::Unfinished => {
                format!("unfinished: smbtorture {}", self.ended())
            }
            Some(s) => {
                let first = short(s.first_reason_line());
                // "Unknown error/failure. Missing torture_fail() ..." says nothing; the first
                // problem the subtest printed says more.
                let vague = first.is_empty() || first.starts_with("Unknown error/failure");
                let detail = match &s.clue {
                    Some(c) if vague => short(c),
                    _ => first,
                };
                if detail.is_empty() {
                    s.outcome.word().to_string()
                } else {
                    format!("{}: {detail}", s.outcome.word())
                }
            }
            None if self.timed_out => "timed out (not reached)".into(),
            None => format!("not run: smbtorture {}", self.ended()),
        }
    }

    fn ended(&self) -> String {
        if let Some(p) = &self.run.panic {
            return format!("crashed ({p})");
        }
        match (self.exit, self.signal) {
            (_, Some(s)) => format!("was killed by signal {s}"),
            (Some(c), None) => format!("exited with {c} before its end"),
            (None, None) => "stopped before its end".into(),
        }
    }
}

/// A reason line without the source tree prefix smbtorture puts before file names.
fn short(line: &str) -> String {
    line.replace("../../source4/torture/", "")
}

/// Both sides of one suite.
#[derive(Debug, Clone)]
pub struct SuiteResult {
    /// The suite, e.g. `base.lock`.
    pub suite: String,
    /// Against the private smbd.
    pub smbd: SideRun,
    /// Against `smb serve`.
    pub ours: SideRun,
}

/// `suite.subtest`, the name used in the baseline and the lists.
pub fn key(suite: &str, subtest: &str) -> String {
    format!("{suite}.{subtest}")
}

/// A subtest smbd passes and `smb serve` does not, with our reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// The suite.
    pub suite: String,
    /// The subtest.
    pub subtest: String,
    /// Why it does not pass against `smb serve` (first line).
    pub reason: String,
}

/// The figures of a whole run.
#[derive(Debug, Clone, Default)]
pub struct Parity {
    /// Per suite: name, passes on ours among smbd's passes, smbd's passes.
    pub per_suite: Vec<(String, usize, usize)>,
    /// Subtests smbd passes that pass on ours too.
    pub both: usize,
    /// Subtests smbd passes.
    pub smbd: usize,
    /// What smbd passes and we do not.
    pub missing: Vec<Missing>,
    /// What smbd itself does not pass (`suite.subtest`, smbd's reason).
    pub smbd_fails: Vec<(String, String)>,
    /// What passes on ours but not on smbd (`suite.subtest`).
    pub only_ours: Vec<String>,
    /// Every `suite.subtest` that passes on ours.
    pub ours_passed: BTreeSet<String>,
}

impl Parity {
    /// The contract line.
    pub fn line(&self) -> String {
        format!(
            "parity: {}/{} subtests that smbd passes also pass against smb serve",
            self.both, self.smbd
        )
    }
}

/// Compares the sides of every suite.
pub fn parity(results: &[SuiteResult]) -> Parity {
    let mut p = Parity::default();
    for r in results {
        let ours: BTreeSet<&str> = r.ours.run.passed().collect();
        let mut both = 0;
        let mut smbd = 0;
        for s in &r.smbd.run.subtests {
            if s.outcome == Outcome::Success {
                smbd += 1;
                if ours.contains(s.name.as_str()) {
                    both += 1;
                } else {
                    p.missing.push(Missing {
                        suite: r.suite.clone(),
                        subtest: s.name.clone(),
                        reason: r.ours.why_not(&s.name),
                    });
                }
            } else {
                p.smbd_fails
                    .push((key(&r.suite, &s.name), r.smbd.why_not(&s.name)));
            }
        }
        if let Some(e) = &r.smbd.setup_error {
            p.smbd_fails
                .push((r.suite.clone(), format!("not run: {e}")));
        }
        for name in &ours {
            if r.smbd
                .run
                .get(name)
                .is_none_or(|s| s.outcome != Outcome::Success)
            {
                p.only_ours.push(key(&r.suite, name));
            }
            p.ours_passed.insert(key(&r.suite, name));
        }
        p.both += both;
        p.smbd += smbd;
        p.per_suite.push((r.suite.clone(), both, smbd));
    }
    p
}

/// The baseline's view of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BaselineCheck {
    /// Baseline subtests that no longer pass against `smb serve` (`suite.subtest`, reason).
    pub regressions: Vec<(String, String)>,
    /// Baseline subtests that do not pass on either server this run: not held against us.
    pub excused: Vec<(String, String)>,
    /// Subtests that pass against `smb serve` and are not in the baseline yet.
    pub new_passes: Vec<String>,
}

/// The suite a baseline line belongs to: the longest suite name it starts with.
pub fn suite_of<'a>(line: &str, suites: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    suites
        .into_iter()
        .filter(|s| line.len() > s.len() && line.starts_with(s) && line[s.len()..].starts_with('.'))
        .max_by_key(|s| s.len())
}

/// Checks the run's results against the baseline (only the suites that ran).
pub fn check_baseline(
    results: &[SuiteResult],
    parity: &Parity,
    baseline: &BTreeSet<String>,
) -> BaselineCheck {
    let mut c = BaselineCheck::default();
    for line in baseline {
        let Some(suite) = suite_of(line, results.iter().map(|r| r.suite.as_str())) else {
            continue;
        };
        if parity.ours_passed.contains(line) {
            continue;
        }
        let Some(r) = results.iter().find(|r| r.suite == suite) else {
            continue;
        };
        let name = &line[suite.len() + 1..];
        let smbd_passed = r
            .smbd
            .run
            .get(name)
            .is_some_and(|s| s.outcome == Outcome::Success);
        let why = r.ours.why_not(name);
        if smbd_passed {
            c.regressions.push((line.clone(), why));
        } else {
            c.excused.push((line.clone(), why));
        }
    }
    c.new_passes = parity
        .ours_passed
        .iter()
        .filter(|k| !baseline.contains(*k))
        .cloned()
        .collect();
    c
}

/// The baseline after `--update`: this run's passes for the suites that ran, the old lines
/// for the others.
pub fn updated_baseline(
    results: &[SuiteResult],
    parity: &Parity,
    baseline: &BTreeSet<String>,
) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = baseline
        .iter()
        .filter(|l| suite_of(l, results.iter().map(|r| r.suite.as_str())).is_none())
        .cloned()
        .collect();
    out.extend(parity.ours_passed.iter().cloned());
    out
}

/// Reads a baseline file's text: one `suite.subtest` per line; `#` starts a comment line.
pub fn read_baseline(text: &str) -> BTreeSet<String> {
    text.lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// A baseline file's text.
pub fn write_baseline(lines: &BTreeSet<String>) -> String {
    let mut s = String::from(
        "# Subtests that pass against `smb serve` at the last recorded run of `cargo xtask torture`\n\
         # (one suite.subtest per line, sorted). Rewrite with `cargo xtask torture --update`.\n",
    );
    for l in lines {
        s.push_str(l);
        s.push('\n');
    }
    s
}

/// What went wrong with the runs of a suite ("smb serve: timed out after 240 s"), or "".
fn notes(r: &SuiteResult, limit_secs: u64) -> String {
    let note = |side: &str, run: &SideRun| {
        if let Some(e) = &run.setup_error {
            Some(format!("{side}: {e}"))
        } else if run.timed_out {
            Some(format!("{side}: timed out after {limit_secs} s"))
        } else {
            None
        }
    };
    [note("smbd", &r.smbd), note("smb serve", &r.ours)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("; ")
}

/// The per-suite lines, the parity line and the list of what is missing, as printed.
pub fn text(results: &[SuiteResult], p: &Parity, limit_secs: u64) -> String {
    let mut s = String::new();
    let width = results.iter().map(|r| r.suite.len()).max().unwrap_or(0) + 1;
    for (r, (suite, both, smbd)) in results.iter().zip(&p.per_suite) {
        let notes = notes(r, limit_secs);
        let head = format!("{suite}:");
        let _ = write!(s, "{head:<width$} {both}/{smbd}");
        if !notes.is_empty() {
            let _ = write!(s, "  ({notes})");
        }
        s.push('\n');
    }
    let _ = writeln!(s, "{}", p.line());
    if !p.missing.is_empty() {
        let _ = writeln!(s, "missing (pass on smbd, not on smb serve):");
        for m in &p.missing {
            let _ = writeln!(s, "  {}: {}", key(&m.suite, &m.subtest), m.reason);
        }
    }
    s
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The markdown report.
pub fn markdown(
    results: &[SuiteResult],
    p: &Parity,
    limit_secs: u64,
    wall_secs: f64,
    forced: &str,
) -> String {
    let mut s = String::from("# smbtorture parity: smb serve against smbd\n\n");
    let _ = writeln!(
        s,
        "SMB1 ({forced}) forced; the same account and a fresh empty share per suite and server; \
         {limit_secs} s per suite; whole run {wall_secs:.0} s.\n"
    );
    let _ = writeln!(s, "**{}**\n", p.line());
    s.push_str("| suite | pass on smb serve / on smbd | smbd s | smb serve s | notes |\n");
    s.push_str("|---|---:|---:|---:|---|\n");
    for (r, (suite, both, smbd)) in results.iter().zip(&p.per_suite) {
        let _ = writeln!(
            s,
            "| {suite} | {both}/{smbd} | {:.1} | {:.1} | {} |",
            r.smbd.secs,
            r.ours.secs,
            md_cell(&notes(r, limit_secs))
        );
    }
    s.push_str("\n## Missing: pass on smbd, not on smb serve\n\n");
    let mut last = "";
    for m in &p.missing {
        if m.suite != last {
            let _ = writeln!(s, "\n### {}\n", m.suite);
            last = &m.suite;
        }
        let _ = writeln!(s, "- `{}`: {}", m.subtest, md_cell(&m.reason));
    }
    s.push_str("\n## Not passed by smbd either (not counted)\n\n");
    for (k, why) in &p.smbd_fails {
        let _ = writeln!(s, "- `{k}`: {}", md_cell(why));
    }
    s.push_str("\n## Pass on smb serve only\n\n");
    for k in &p.only_ours {
        let _ = writeln!(s, "- `{k}`");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::torture::parse::parse;

    fn side(text: &str) -> SideRun {
        SideRun {
            run: parse(text),
            exit: Some(0),
            ..SideRun::default()
        }
    }

    fn result() -> SuiteResult {
        SuiteResult {
            suite: "base.lock".into(),
            smbd: side(
                "test: LOCK1\nsuccess: LOCK1\ntest: LOCK2\nsuccess: LOCK2\n\
                 test: LOCK3\nfailure: LOCK3 [\nsmbd's reason\n]\ntest: LOCK5\nsuccess: LOCK5\n\
                 test: LOCK4\nsuccess: LOCK4\n",
            ),
            ours: SideRun {
                timed_out: true,
                exit: None,
                ..side(
                    "test: LOCK1\nsuccess: LOCK1\ntest: LOCK2\nfailure: LOCK2 [\n\
                     ../../source4/torture/basic/locking.c:10: bad status\nsecond line\n]\n\
                     test: LOCK3\nsuccess: LOCK3\n\
                     test: LOCK5\n** the same process doesn't remove the first lock first\n\
                     error: LOCK5 [\nUnknown error/failure. Missing torture_fail() or \
                     torture_assert_*() call?\n]\ntest: LOCK4\nwaiting...\n",
                )
            },
        }
    }

    #[test]
    fn parity_counts_only_what_smbd_passes() {
        let p = parity(&[result()]);
        assert_eq!((p.both, p.smbd), (1, 4));
        assert_eq!(
            p.line(),
            "parity: 1/4 subtests that smbd passes also pass against smb serve"
        );
        let missing: Vec<(&str, &str)> = p
            .missing
            .iter()
            .map(|m| (m.subtest.as_str(), m.reason.as_str()))
            .collect();
        assert_eq!(
            missing,
            [
                ("LOCK2", "failure: basic/locking.c:10: bad status"),
                (
                    "LOCK5",
                    "error: ** the same process doesn't remove the first lock first"
                ),
                ("LOCK4", "timed out"),
            ]
        );
        assert_eq!(p.only_ours, ["base.lock.LOCK3"]);
        assert_eq!(p.smbd_fails[0].0, "base.lock.LOCK3");
        let text = text(&[result()], &p, 60);
        assert!(text.starts_with("base.lock: 1/4  (smb serve: timed out after 60 s)\n"));
    }

    #[test]
    fn baseline_regressions_excuses_and_new_passes() {
        let r = [result()];
        let p = parity(&r);
        let baseline = read_baseline(
            "# comment\nbase.lock.LOCK2\nbase.lock.LOCK3\nbase.lock.LOCK9\nraw.read.read\n",
        );
        let c = check_baseline(&r, &p, &baseline);
        // LOCK2 passes on smbd and not on ours any more: a regression.
        assert_eq!(c.regressions.len(), 1);
        assert_eq!(c.regressions[0].0, "base.lock.LOCK2");
        // LOCK9 is not passed by smbd this run: not held against us. raw.read did not run.
        assert_eq!(c.excused.len(), 1);
        assert_eq!(c.excused[0].0, "base.lock.LOCK9");
        assert_eq!(c.new_passes, ["base.lock.LOCK1"]);
        let updated = updated_baseline(&r, &p, &baseline);
        let lines: Vec<&str> = updated.iter().map(String::as_str).collect();
        assert_eq!(
            lines,
            ["base.lock.LOCK1", "base.lock.LOCK3", "raw.read.read"]
        );
        assert_eq!(read_baseline(&write_baseline(&updated)), updated);
    }

    #[test]
    fn suite_of_takes_the_longest_suite() {
        let suites = ["raw.qfileinfo", "raw.qfileinfo.ipc", "raw.read"];
        assert_eq!(
            suite_of("raw.qfileinfo.ipc.x", suites),
            Some("raw.qfileinfo.ipc")
        );
        assert_eq!(
            suite_of("raw.qfileinfo.qfileinfo", suites),
            Some("raw.qfileinfo")
        );
        assert_eq!(suite_of("raw.readx", suites), None);
        assert_eq!(suite_of("raw.read", suites), None);
    }
}
