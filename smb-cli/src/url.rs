//! `smb://[DOMAIN;]USER[:PASSWORD]@HOST[:PORT]/SHARE/PATH` URLs.

/// A parsed URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmbUrl {
    /// Domain (empty when not given).
    pub domain: String,
    /// User; `None` means anonymous.
    pub user: Option<String>,
    /// Password, when given in the URL.
    pub password: Option<String>,
    /// Host name or address (IPv6 without brackets).
    pub host: String,
    /// Port, when given.
    pub port: Option<u16>,
    /// Share (may be empty for `smb shares`).
    pub share: String,
    /// Path inside the share, with `/` separators, no leading slash (may be empty).
    pub path: String,
}

fn pct_decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = s
                .get(i + 1..i + 3)
                .ok_or_else(|| format!("bad %-escape in {s:?}"))?;
            out.push(u8::from_str_radix(h, 16).map_err(|_| format!("bad %-escape in {s:?}"))?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("{s:?} is not UTF-8 once decoded"))
}

impl SmbUrl {
    /// Parses a URL.
    pub fn parse(url: &str) -> Result<Self, String> {
        let rest = url.strip_prefix("smb://").ok_or_else(|| {
            format!("{url:?}: expected smb://[DOMAIN;]USER[:PASSWORD]@HOST[:PORT]/SHARE/PATH")
        })?;
        let (auth, hostpath) = match rest.rfind('@') {
            Some(i) if !rest[..i].contains('/') => (Some(&rest[..i]), &rest[i + 1..]),
            _ => (None, rest),
        };
        let (mut domain, mut user, mut password) = (String::new(), None, None);
        if let Some(a) = auth {
            let (d, up) = match a.find(';') {
                Some(i) => (pct_decode(&a[..i])?, &a[i + 1..]),
                None => (String::new(), a),
            };
            domain = d;
            let (u, p) = match up.find(':') {
                Some(i) => (pct_decode(&up[..i])?, Some(pct_decode(&up[i + 1..])?)),
                None => (pct_decode(up)?, None),
            };
            if !u.is_empty() {
                user = Some(u);
            }
            password = p;
        }
        let (hostport, path) = match hostpath.find('/') {
            Some(i) => (&hostpath[..i], &hostpath[i + 1..]),
            None => (hostpath, ""),
        };
        let (host, port) = if let Some(h) = hostport.strip_prefix('[') {
            let end = h.find(']').ok_or("unterminated [IPv6] address")?;
            let port = h[end + 1..].strip_prefix(':');
            (h[..end].to_string(), port)
        } else {
            match hostport.rfind(':') {
                Some(i) => (hostport[..i].to_string(), Some(&hostport[i + 1..])),
                None => (hostport.to_string(), None),
            }
        };
        if host.is_empty() {
            return Err(format!("{url:?}: no host"));
        }
        let port = port
            .map(|p| {
                p.parse::<u16>()
                    .map_err(|_| format!("{url:?}: bad port {p:?}"))
            })
            .transpose()?;
        let path = pct_decode(path)?;
        let mut parts = path.splitn(2, '/');
        let share = parts.next().unwrap_or("").to_string();
        let rest = parts.next().unwrap_or("").trim_matches('/').to_string();
        Ok(SmbUrl {
            domain,
            user,
            password,
            host,
            port,
            share,
            path: rest,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_and_minimal() {
        let u = SmbUrl::parse("smb://WORK;alice:p%40ss@host:1445/share/dir/file.txt").unwrap();
        assert_eq!(u.domain, "WORK");
        assert_eq!(u.user.as_deref(), Some("alice"));
        assert_eq!(u.password.as_deref(), Some("p@ss"));
        assert_eq!((u.host.as_str(), u.port), ("host", Some(1445)));
        assert_eq!(
            (u.share.as_str(), u.path.as_str()),
            ("share", "dir/file.txt")
        );
        let u = SmbUrl::parse("smb://10.0.0.1/pub").unwrap();
        assert_eq!(u.user, None);
        assert_eq!((u.share.as_str(), u.path.as_str()), ("pub", ""));
        let u = SmbUrl::parse("smb://bob@[::1]:445/s/").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", Some(445)));
        assert!(SmbUrl::parse("http://x/y").is_err());
        assert!(SmbUrl::parse("smb:///share").is_err());
        assert!(SmbUrl::parse("smb://h:notaport/s").is_err());
    }
}
