//! RAP (Remote Administration Protocol) over \\PIPE\\LANMAN: placeholder.
