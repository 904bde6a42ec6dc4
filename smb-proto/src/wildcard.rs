//! DOS/Windows wildcard matching for searches and wildcard deletes: `*`, `?`, and the DOS
//! forms `<` (DOS_STAR), `>` (DOS_QM) and `"` (DOS_DOT); case-insensitive.

use alloc::vec;
use alloc::vec::Vec;

/// Whether a pattern contains wildcard characters.
pub fn has_wildcards(p: &str) -> bool {
    p.chars().any(|c| matches!(c, '*' | '?' | '<' | '>' | '"'))
}

fn lower(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// Whether `name` matches `pattern` (dynamic programming, no backtracking blow-up).
pub fn matches(pattern: &str, name: &str) -> bool {
    if pattern == "*" || pattern == "*.*" || pattern == "<.*" || pattern == "<\"*" {
        return true;
    }
    let p: Vec<char> = pattern.chars().map(lower).collect();
    let n: Vec<char> = name.chars().map(lower).collect();
    let last_dot = n.iter().rposition(|&c| c == '.');
    // ok[i][j]: p[..i] matches n[..j]
    let mut ok = vec![vec![false; n.len() + 1]; p.len() + 1];
    ok[0][0] = true;
    for i in 1..=p.len() {
        let pc = p[i - 1];
        for j in 0..=n.len() {
            ok[i][j] = match pc {
                '*' => ok[i - 1][j] || (j > 0 && ok[i][j - 1]),
                '<' => {
                    // Any run of characters that does not pass the last dot.
                    ok[i - 1][j] || (j > 0 && ok[i][j - 1] && last_dot.is_none_or(|d| j - 1 < d))
                }
                '?' => j > 0 && ok[i - 1][j - 1],
                '>' => {
                    // One character, or nothing at the end or before a dot.
                    (j > 0 && n[j - 1] != '.' && ok[i - 1][j - 1])
                        || (ok[i - 1][j] && (j == n.len() || n[j] == '.'))
                }
                '"' => {
                    (j > 0 && n[j - 1] == '.' && ok[i - 1][j - 1]) || (j == n.len() && ok[i - 1][j])
                }
                c => j > 0 && n[j - 1] == c && ok[i - 1][j - 1],
            };
        }
    }
    ok[p.len()][n.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic() {
        assert!(matches("*", "anything"));
        assert!(matches("*.*", "noext"));
        assert!(matches("*.TXT", "a.txt"));
        assert!(!matches("*.txt", "a.txt.bak"));
        assert!(matches("a?c", "ABC"));
        assert!(!matches("a?c", "ac"));
        assert!(matches("file*", "file"));
        assert!(matches("<.txt", "x.y.txt"));
        assert!(matches("x>>>.t", "x.t"));
        assert!(matches("abc\"*", "abc.d"));
        assert!(matches("abc\"", "abc"));
        assert!(!has_wildcards("plain.txt"));
        assert!(matches(&"*a".repeat(20), &"a".repeat(50)));
    }
}
