//! The survey expression language (placeholder until the parser lands).
