//! Presentation context negotiation on the server side (bind and alter_context), the
//! way Windows does it as Samba's tests record it:
//!
//! * per bind or alter_context, at most one *new* context is accepted: the first one
//!   that names the pipe's interface (UUID and version) and offers NDR 2.0; later ones
//!   are rejected (reason 2 for the right interface, 1 for another one);
//! * a context ID accepted earlier is accepted again for the same interface, and is a
//!   protocol error for another;
//! * other transfer syntaxes (NDR64) are rejected per context with reason 2
//!   (`proposed_transfer_syntaxes_not_supported`), unknown interfaces with reason 1
//!   (`abstract_syntax_not_supported`);
//! * in a bind, a context whose first transfer syntax is the bind-time feature
//!   negotiation UUID is answered `negotiate_ack` with the features offered that are
//!   supported (both: security context multiplexing, keep connection on orphan).

use alloc::vec::Vec;

use super::bind::{ContextResult, PresentationContext, reason, result};
use super::uuid::{
    FEATURE_KEEP_CONNECTION_ON_ORPHAN, FEATURE_SECURITY_CONTEXT_MULTIPLEXING, NDR20, SyntaxId,
};

/// Why a context list cannot be answered context by context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NegotiationError {
    /// No context at all.
    NoContexts,
    /// A context without transfer syntaxes.
    NoTransferSyntax,
    /// Two bind-time feature negotiation contexts.
    TwoFeatureContexts,
    /// A context ID accepted earlier is proposed for another interface.
    ContextMismatch,
}

/// The outcome of a negotiation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    /// One result per proposed context.
    pub results: Vec<ContextResult>,
    /// The context ID accepted now, if a new one was.
    pub accepted: Option<u16>,
}

/// Answers the proposed `contexts` for a pipe serving `interface`, given the context IDs
/// accepted so far (`known`). `bind` is true for a bind (where bind-time feature
/// negotiation applies), false for an alter_context.
pub fn negotiate(
    contexts: &[PresentationContext],
    interface: SyntaxId,
    known: &[u16],
    bind: bool,
) -> Result<Negotiated, NegotiationError> {
    if contexts.is_empty() {
        return Err(NegotiationError::NoContexts);
    }
    if contexts.iter().any(|c| c.transfer_syntaxes.is_empty()) {
        return Err(NegotiationError::NoTransferSyntax);
    }
    let rejected = |reason| ContextResult {
        result: result::PROVIDER_REJECTION,
        reason,
        transfer_syntax: SyntaxId::default(),
    };
    let mut results = Vec::with_capacity(contexts.len());
    let mut accepted = None;
    let mut features_seen = false;
    for c in contexts {
        let features = c.transfer_syntaxes[0].bind_time_features();
        if let (true, Some(offered)) = (bind, features) {
            if features_seen {
                return Err(NegotiationError::TwoFeatureContexts);
            }
            features_seen = true;
            let supported =
                FEATURE_SECURITY_CONTEXT_MULTIPLEXING | FEATURE_KEEP_CONNECTION_ON_ORPHAN;
            results.push(ContextResult {
                result: result::NEGOTIATE_ACK,
                reason: offered & supported,
                transfer_syntax: SyntaxId::default(),
            });
            continue;
        }
        if c.abstract_syntax != interface {
            results.push(rejected(reason::ABSTRACT_SYNTAX_NOT_SUPPORTED));
            continue;
        }
        let ndr = c.transfer_syntaxes.contains(&NDR20);
        let is_known = known.contains(&c.context_id) || accepted == Some(c.context_id);
        if is_known || (ndr && accepted.is_none()) {
            if !ndr {
                results.push(rejected(reason::PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED));
                continue;
            }
            if !is_known {
                accepted = Some(c.context_id);
            }
            results.push(ContextResult {
                result: result::ACCEPTANCE,
                reason: reason::NOT_SPECIFIED,
                transfer_syntax: NDR20,
            });
        } else {
            results.push(rejected(reason::PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED));
        }
    }
    Ok(Negotiated { results, accepted })
}

/// Checks that no context ID accepted earlier (`known`, all for `interface`) is
/// proposed again for another interface.
pub fn check_known(
    contexts: &[PresentationContext],
    interface: SyntaxId,
    known: &[u16],
) -> Result<(), NegotiationError> {
    if contexts
        .iter()
        .any(|c| known.contains(&c.context_id) && c.abstract_syntax != interface)
    {
        return Err(NegotiationError::ContextMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpc::uuid::{NDR64, SRVSVC, Uuid, WKSSVC};
    use alloc::vec;

    fn ctx(id: u16, a: SyntaxId, t: &[SyntaxId]) -> PresentationContext {
        PresentationContext {
            context_id: id,
            abstract_syntax: a,
            transfer_syntaxes: t.to_vec(),
        }
    }

    #[test]
    fn one_new_context_per_bind() {
        let btfn = SyntaxId {
            uuid: Uuid::parse("6cb71c2c-9812-4540-0300-000000000000"),
            version: 1,
        };
        let n = negotiate(
            &[
                ctx(0, SRVSVC, &[NDR64]),
                ctx(1, SRVSVC, &[NDR20]),
                ctx(2, SRVSVC, &[NDR20]),
                ctx(3, WKSSVC, &[NDR20]),
                ctx(4, SRVSVC, &[btfn]),
            ],
            SRVSVC,
            &[],
            true,
        )
        .unwrap();
        let r: Vec<(u16, u16)> = n.results.iter().map(|r| (r.result, r.reason)).collect();
        assert_eq!(r, vec![(2, 2), (0, 0), (2, 2), (2, 1), (3, 3)]);
        assert_eq!(n.accepted, Some(1));
        // The same context again in an alter_context: accepted, nothing new.
        let n = negotiate(&[ctx(1, SRVSVC, &[NDR20])], SRVSVC, &[1], false).unwrap();
        assert_eq!((n.results[0].result, n.accepted), (0, None));
        assert_eq!(
            check_known(&[ctx(1, WKSSVC, &[NDR20])], SRVSVC, &[1]),
            Err(NegotiationError::ContextMismatch)
        );
        assert_eq!(
            negotiate(&[], SRVSVC, &[], true),
            Err(NegotiationError::NoContexts)
        );
        assert_eq!(
            negotiate(&[ctx(0, SRVSVC, &[])], SRVSVC, &[], true),
            Err(NegotiationError::NoTransferSyntax)
        );
        assert_eq!(
            negotiate(
                &[ctx(0, SRVSVC, &[btfn]), ctx(1, SRVSVC, &[btfn])],
                SRVSVC,
                &[],
                true
            ),
            Err(NegotiationError::TwoFeatureContexts)
        );
    }
}
