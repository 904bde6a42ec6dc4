//! `cargo xtask decode`: decode every SMB1 message of a capture, re-encode it and compare.

use std::collections::HashMap;
use std::fmt::Write as _;

use bytes::Bytes;
use smb_proto::wire::{Deframer, Message, NbssPacket, Request, Response, Transport};

use crate::pcap;
use crate::summary::{self, Context};
use crate::tcp::{Endpoint, Flow, Reassembler};

/// Largest frame accepted from a capture.
const MAX_FRAME: usize = 0xFF_FFFF;

/// Counts reported on the last line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// SMB messages seen.
    pub messages: usize,
    /// Messages that decoded and re-encoded byte for byte.
    pub identical: usize,
    /// Messages that failed to decode or re-encoded differently.
    pub failed: usize,
    /// Login verification results, when credentials were given.
    pub logins: Option<crate::logins::LoginCounts>,
    /// One line per message (and per non-message session packet).
    pub lines: Vec<String>,
}

impl Report {
    /// The summary line: `N messages, M identical, K failed` (and the login counts).
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} messages, {} identical, {} failed",
            self.messages, self.identical, self.failed
        );
        if let Some(l) = &self.logins {
            let _ = write!(
                s,
                ", {} logins verified, {} rejected",
                l.verified, l.rejected
            );
            if l.skipped > 0 {
                let _ = write!(s, ", {} skipped", l.skipped);
            }
        }
        s
    }

    /// Whether every message decoded and re-encoded identically.
    pub fn ok(&self) -> bool {
        self.failed == 0 && self.identical == self.messages
    }
}

/// Credentials to verify logins with.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// User name.
    pub user: String,
    /// Password.
    pub password: String,
}

struct Stream {
    deframer: Deframer,
    sniffed: bool,
}

/// Decodes a capture file's bytes.
pub fn decode_capture(file: &[u8], creds: Option<&Credentials>) -> Result<Report, pcap::PcapError> {
    let cap = pcap::parse(file)?;
    let mut report = Report::default();
    let mut reasm = Reassembler::new();
    let mut streams: HashMap<Flow, Stream> = HashMap::new();
    let mut contexts: HashMap<(Endpoint, Endpoint), Context> = HashMap::new();
    for rec in &cap.records {
        let Some(seg) = pcap::tcp_segment(cap.linktype, rec.data) else {
            continue;
        };
        let (flow, bytes) = reasm.feed(&seg);
        if bytes.is_empty() {
            continue;
        }
        let st = streams.entry(flow).or_insert_with(|| Stream {
            deframer: Deframer::new(Transport::Direct, MAX_FRAME),
            sniffed: false,
        });
        if !st.sniffed {
            st.sniffed = true;
            // A NetBIOS session (port 139) starts with a session request or its answer.
            let nbt = matches!(bytes[0], 0x81..=0x85) || flow.src.1 == 139 || flow.dst.1 == 139;
            if nbt {
                st.deframer = Deframer::new(Transport::Netbios, MAX_FRAME);
            }
        }
        st.deframer.push(&bytes);
        let ctx = contexts
            .entry(flow.connection())
            .or_insert_with(|| Context {
                logins: creds.map(|c| crate::logins::LoginChecker::new(&c.user, &c.password)),
                ..Default::default()
            });
        loop {
            match st.deframer.next_packet() {
                Ok(Some(NbssPacket::Message(m))) => {
                    report.messages += 1;
                    let (ok, line) = check_message(rec.frame, &m, ctx);
                    if ok {
                        report.identical += 1;
                    } else {
                        report.failed += 1;
                    }
                    report.lines.push(line);
                }
                Ok(Some(other)) => {
                    report.lines.push(format!("#{} NBSS {other:?}", rec.frame));
                }
                Ok(None) => break,
                Err(e) => {
                    report.messages += 1;
                    report.failed += 1;
                    report
                        .lines
                        .push(format!("#{} FRAMING ERROR: {e}", rec.frame));
                    st.deframer = Deframer::new(st.deframer.transport(), MAX_FRAME);
                    break;
                }
            }
        }
    }
    if creds.is_some() {
        let mut total = crate::logins::LoginCounts::default();
        for c in contexts.values() {
            if let Some(l) = &c.logins {
                let n = l.counts();
                total.verified += n.verified;
                total.rejected += n.rejected;
                total.skipped += n.skipped;
            }
        }
        report.logins = Some(total);
    }
    Ok(report)
}

fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

fn check_message(frame: usize, m: &Bytes, ctx: &mut Context) -> (bool, String) {
    let is_reply = m.len() > 9 && m[9] & 0x80 != 0;
    let (dir, decoded) = if is_reply {
        (
            "S->C",
            Message::<Response>::decode(m).map(|d| (d.encode(), summary::response(&d, ctx))),
        )
    } else {
        (
            "C->S",
            Message::<Request>::decode(m).map(|d| (d.encode(), summary::request(&d, ctx))),
        )
    };
    match decoded {
        Err(e) => (
            false,
            format!("#{frame} {dir} DECODE ERROR: {e} ({} bytes)", m.len()),
        ),
        Ok((enc, text)) => {
            if enc[..] == m[..] {
                (true, format!("#{frame} {dir} {text}"))
            } else {
                let at = first_difference(&enc, m);
                (
                    false,
                    format!(
                        "#{frame} {dir} {text}  RE-ENCODE DIFFERS at byte {at} (captured {} bytes, re-encoded {})",
                        m.len(),
                        enc.len()
                    ),
                )
            }
        }
    }
}
