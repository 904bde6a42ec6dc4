//! Information levels.
