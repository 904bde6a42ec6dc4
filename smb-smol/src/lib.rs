//! smb-smol: a thin driver around the smb-proto core.
#![forbid(unsafe_code)]
