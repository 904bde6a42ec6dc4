//! NTLM authentication: hashes and responses, NTLMSSP messages, SPNEGO tokens.
