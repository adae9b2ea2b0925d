//! The read token that guards `GET /api/v1/aggregates.json`: the deploy job holds it, nobody
//! else needs it. Compared in constant time, so response timing says nothing about how much of
//! a guess was right.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The environment variable that holds the token (`--read-token-file` takes precedence).
pub const ENV: &str = "KUME_READ_TOKEN";
/// Shorter tokens are refused: they could be guessed over the network.
pub const MIN_LEN: usize = 32;

/// Why no read token could be taken.
#[derive(Debug, thiserror::Error)]
pub enum ReadTokenError {
    #[error("the read token has {0} characters; it needs at least {MIN_LEN}")]
    TooShort(usize),
    #[error("cannot read the read token from {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A bad token, with where it came from (the file or the environment variable).
    #[error("{origin}: {source}")]
    From {
        origin: String,
        #[source]
        source: Box<ReadTokenError>,
    },
}

/// A configured read token (only its hash is kept in memory).
#[derive(Clone)]
pub struct ReadToken {
    hash: [u8; 32],
}

impl std::fmt::Debug for ReadToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReadToken(…)")
    }
}

impl ReadToken {
    /// Accepts a token of at least [`MIN_LEN`] characters; surrounding whitespace (the newline
    /// at the end of a file) is not part of it.
    pub fn new(token: &str) -> Result<ReadToken, ReadTokenError> {
        let token = token.trim();
        if token.chars().count() < MIN_LEN {
            return Err(ReadTokenError::TooShort(token.chars().count()));
        }
        Ok(ReadToken {
            hash: Sha256::digest(token.as_bytes()).into(),
        })
    }

    /// The token from `file` if given, else from the environment; `None` when neither is set.
    pub fn configured(file: Option<&Path>) -> Result<Option<ReadToken>, ReadTokenError> {
        let from = |origin: String| {
            move |e| ReadTokenError::From {
                origin,
                source: Box::new(e),
            }
        };
        if let Some(path) = file {
            let text =
                std::fs::read_to_string(path).map_err(|source| ReadTokenError::Unreadable {
                    path: path.to_path_buf(),
                    source,
                })?;
            return ReadToken::new(&text)
                .map(Some)
                .map_err(from(path.display().to_string()));
        }
        match std::env::var(ENV) {
            Ok(v) if !v.trim().is_empty() => {
                ReadToken::new(&v).map(Some).map_err(from(ENV.to_string()))
            }
            _ => Ok(None),
        }
    }

    /// Whether an `Authorization` header value carries this token (`Bearer <token>`).
    pub fn admits(&self, authorization: Option<&[u8]>) -> bool {
        let Some(given) = authorization.and_then(|h| h.strip_prefix(b"Bearer ")) else {
            return false;
        };
        // Hashing first gives equal lengths; XOR-folding then touches every byte whatever
        // the first difference is.
        let given: [u8; 32] = Sha256::digest(given.trim_ascii()).into();
        given
            .iter()
            .zip(self.hash.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn only_the_bearer_token_itself_is_admitted() {
        let t = ReadToken::new(&format!("{TOKEN}\n")).unwrap();
        assert!(t.admits(Some(format!("Bearer {TOKEN}").as_bytes())));
        assert!(!t.admits(Some(TOKEN.as_bytes())));
        assert!(!t.admits(Some(format!("Bearer {TOKEN}0").as_bytes())));
        assert!(!t.admits(Some(b"Bearer ")));
        assert!(!t.admits(None));
    }

    #[test]
    fn short_tokens_are_refused() {
        let e = ReadToken::new("secret").unwrap_err();
        assert_eq!(
            e.to_string(),
            "the read token has 6 characters; it needs at least 32"
        );
    }
}
