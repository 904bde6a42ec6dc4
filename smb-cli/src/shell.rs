//! `smb shell URL`: an interactive prompt in the spirit of smbclient, with line editing
//! and history (rustyline).

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;
use smb_blocking::client::Client;
use smb_proto::client::TreeId;

use crate::client_cmd::{ClientOpts, Failure, connect_share, explain, fmt_time};
use crate::url::SmbUrl;

const HELP: &str = "commands:
  ls [PATH]            list a directory (default: the current one)
  cd PATH              change the current directory (.. goes up)
  pwd                  print the current directory
  get REMOTE [LOCAL]   download a file
  put LOCAL [REMOTE]   upload a file
  cat REMOTE           print a file
  mkdir PATH           create a directory
  rmdir PATH           remove an empty directory
  rm PATH              delete a file
  mv FROM TO           rename within the share
  stat PATH            show information about a path
  help                 this text
  exit, quit           leave";

/// Joins `p` to the current directory `cwd` (both `/`-separated, relative to the share).
fn resolve(cwd: &str, p: &str) -> String {
    let p = p.replace('\\', "/");
    let mut parts: Vec<&str> = if p.starts_with('/') {
        Vec::new()
    } else {
        cwd.split('/').filter(|s| !s.is_empty()).collect()
    };
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    parts.join("/")
}

/// Splits a command line into words; double quotes group words with spaces.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for ch in line.chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

struct Shell {
    c: Client,
    t: TreeId,
    cwd: String,
    share: String,
}

impl Shell {
    fn run_line(&mut self, w: &[String]) -> Result<bool, String> {
        let arg = |i: usize| w.get(i).map(String::as_str);
        let need =
            |i: usize| arg(i).ok_or_else(|| format!("{}: missing argument (try help)", w[0]));
        match w[0].as_str() {
            "exit" | "quit" | "q" => return Ok(false),
            "help" | "?" => println!("{HELP}"),
            "pwd" => println!("\\\\{}\\{}", self.share, self.cwd.replace('/', "\\")),
            "ls" | "dir" => {
                let p = resolve(&self.cwd, arg(1).unwrap_or(""));
                let v = self.c.list(self.t, &p).map_err(|e| explain(&e).message)?;
                for e in v {
                    println!(
                        "{}{} {:>14}  {}  {}",
                        if e.is_dir { 'd' } else { '-' },
                        if e.attributes & 1 != 0 { 'r' } else { 'w' },
                        e.size,
                        fmt_time(e.written),
                        e.name
                    );
                }
            }
            "cd" => {
                let p = resolve(&self.cwd, need(1)?);
                if !p.is_empty() {
                    let s = self.c.stat(self.t, &p).map_err(|e| explain(&e).message)?;
                    if !s.is_dir {
                        return Err(format!("{p}: not a directory"));
                    }
                }
                self.cwd = p;
            }
            "get" => {
                let r = resolve(&self.cwd, need(1)?);
                let local = arg(2)
                    .map(str::to_string)
                    .unwrap_or_else(|| r.rsplit('/').next().unwrap_or("file").to_string());
                let mut f = fs::File::create(&local).map_err(|e| format!("{local}: {e}"))?;
                let n = self
                    .c
                    .download(self.t, &r, &mut f, &mut |_| {})
                    .map_err(|e| explain(&e).message)?;
                println!("{r} -> {local}: {n} bytes");
            }
            "put" => {
                let local = need(1)?;
                let name = Path::new(local)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let r = resolve(&self.cwd, arg(2).unwrap_or(&name));
                let mut f = fs::File::open(local).map_err(|e| format!("{local}: {e}"))?;
                let n = self
                    .c
                    .upload(self.t, &r, &mut f, &mut |_| {})
                    .map_err(|e| explain(&e).message)?;
                println!("{local} -> {r}: {n} bytes");
            }
            "cat" => {
                let r = resolve(&self.cwd, need(1)?);
                let mut out = io::stdout().lock();
                self.c
                    .download(self.t, &r, &mut out, &mut |_| {})
                    .map_err(|e| explain(&e).message)?;
                let _ = out.flush();
            }
            "mkdir" | "md" => {
                let p = resolve(&self.cwd, need(1)?);
                self.c.mkdir(self.t, &p).map_err(|e| explain(&e).message)?;
            }
            "rmdir" | "rd" => {
                let p = resolve(&self.cwd, need(1)?);
                self.c.rmdir(self.t, &p).map_err(|e| explain(&e).message)?;
            }
            "rm" | "del" => {
                let p = resolve(&self.cwd, need(1)?);
                self.c.delete(self.t, &p).map_err(|e| explain(&e).message)?;
            }
            "mv" | "rename" => {
                let (a, b) = (resolve(&self.cwd, need(1)?), resolve(&self.cwd, need(2)?));
                self.c
                    .rename(self.t, &a, &b)
                    .map_err(|e| explain(&e).message)?;
            }
            "stat" => {
                let p = resolve(&self.cwd, need(1)?);
                let s = self.c.stat(self.t, &p).map_err(|e| explain(&e).message)?;
                println!(
                    "{}: {} bytes, {}, written {}",
                    p,
                    s.size,
                    if s.is_dir { "directory" } else { "file" },
                    fmt_time(s.written)
                );
            }
            other => return Err(format!("{other}: unknown command (try help)")),
        }
        Ok(true)
    }
}

/// Runs the prompt until `exit` or end of input.
pub fn run(url: &SmbUrl, o: &ClientOpts) -> Result<(), Failure> {
    let (c, t) = connect_share(url, o)?;
    let mut sh = Shell {
        c,
        t,
        cwd: resolve("", &url.path),
        share: url.share.clone(),
    };
    let mut rl = DefaultEditor::new()
        .map_err(|e| Failure::usage(format!("cannot start the prompt: {e}")))?;
    loop {
        let prompt = format!("smb: \\{}> ", sh.cwd.replace('/', "\\"));
        match rl.readline(&prompt) {
            Ok(line) => {
                let w = words(&line);
                if w.is_empty() {
                    continue;
                }
                let _ = rl.add_history_entry(line.as_str());
                match sh.run_line(&w) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => eprintln!("{e}"),
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(Failure::usage(format!("prompt: {e}"))),
        }
    }
    let _ = sh.c.logoff();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_against_the_current_directory() {
        assert_eq!(resolve("a/b", "c"), "a/b/c");
        assert_eq!(resolve("a/b", ".."), "a");
        assert_eq!(resolve("a/b", "../../.."), "");
        assert_eq!(resolve("a/b", "/x\\y"), "x/y");
        assert_eq!(resolve("", "./d/./e/"), "d/e");
    }

    #[test]
    fn words_split_with_quotes() {
        assert_eq!(
            words(r#"put "my file.txt" x"#),
            vec!["put", "my file.txt", "x"]
        );
        assert_eq!(words("  ls   "), vec!["ls"]);
        assert_eq!(words(r#"get """#), vec!["get", ""]);
    }
}
