//! The bodies of the fuzz targets, as plain functions so the corpora can be replayed by
//! ordinary tests. Each panics only when an invariant breaks.

use bytes::Bytes;

use crate::auth::ntlmssp::{AuthenticateMessage, AvPairs, ChallengeMessage, NegotiateMessage};
use crate::auth::{
    AuthMethod, AuthPolicy, MemoryAccounts, NtlmClient, NtlmServer, ServerNames, spnego,
};
use crate::wire::{Deframer, Message, MessageBody, NbssPacket, Request, Response, Transport};

fn check<B: MessageBody + core::fmt::Debug>(m: &Bytes) {
    if let Ok(msg) = Message::<B>::decode(m) {
        let enc = msg.encode();
        let again = match Message::<B>::decode(&enc) {
            Ok(a) => a,
            Err(e) => panic!("re-encoded message does not decode: {e}: {msg:?}"),
        };
        assert_eq!(again.encode(), enc, "encoding is not stable");
    }
}

/// Target `decode`: the first byte picks the transport and a chunk size; the rest is a byte
/// stream for the deframer, whose frames decode as requests and responses; whatever
/// decodes re-encodes to something that decodes and re-encodes identically.
pub fn decode(data: &[u8]) {
    let Some((&ctl, stream)) = data.split_first() else {
        return;
    };
    let transport = if ctl & 1 == 0 {
        Transport::Direct
    } else {
        Transport::Netbios
    };
    let chunk = 1 + (ctl >> 1) as usize;
    let mut d = Deframer::new(transport, 1 << 17);
    'outer: for piece in stream.chunks(chunk) {
        d.push(piece);
        loop {
            match d.next_packet() {
                Ok(Some(NbssPacket::Message(m))) => {
                    check::<Request>(&m);
                    check::<Response>(&m);
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(_) => break 'outer,
            }
        }
    }
    let whole = Bytes::copy_from_slice(stream);
    check::<Request>(&whole);
    check::<Response>(&whole);
}

/// Target `auth`: NTLMSSP and SPNEGO decoders, and the server's accept path as a first leg
/// and as a second leg after a valid first one.
pub fn auth(data: &[u8]) {
    let b = Bytes::copy_from_slice(data);
    let _ = spnego::decode(data);
    if let Ok(m) = NegotiateMessage::decode(&b) {
        NegotiateMessage::decode(&Bytes::from(m.encode())).expect("re-encoded NEGOTIATE decodes");
    }
    if let Ok(m) = ChallengeMessage::decode(&b) {
        ChallengeMessage::decode(&Bytes::from(m.encode())).expect("re-encoded CHALLENGE decodes");
    }
    if let Ok(m) = AuthenticateMessage::decode(&b) {
        AuthenticateMessage::decode(&Bytes::from(m.encode()))
            .expect("re-encoded AUTHENTICATE decodes");
    }
    let _ = AvPairs::decode(data);
    let mut store = MemoryAccounts::new();
    store.add("user", "password");
    let policy = AuthPolicy {
        allow_ntlmv1: true,
        allow_lm: true,
        allow_guest: data.first() == Some(&0),
    };
    let mut s = NtlmServer::new([1; 8], 0, ServerNames::default());
    let _ = s.step(data, &policy, &store);
    let mut s = NtlmServer::new([1; 8], 0, ServerNames::default());
    let mut c = NtlmClient::new(None, AuthMethod::Ntlmssp, "C");
    let _ = s.step(&c.initial_token(), &policy, &store);
    let _ = s.step(data, &policy, &store);
    // The client side on arbitrary server tokens.
    let mut c = NtlmClient::new(
        Some(crate::auth::Credentials::new("user", "D", "password")),
        AuthMethod::Ntlmssp,
        "C",
    );
    let _ = c.initial_token();
    let _ = c.authenticate_token(data, 0, &mut crate::rng::Rng::from_seed([0; 32]));
    let _ = c.finish(data);
}
