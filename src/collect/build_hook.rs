//! Asks the site's host to rebuild after new final answers (a Netlify build hook), so the
//! benchmark pages need not wait for the nightly deploy. Off unless a hook URL is configured.
//!
//! A burst of answers costs one build: the first new final answer opens a window of
//! `--build-hook-delay` seconds, answers inside it join it, and the hook is called once when it
//! closes. The request is made with `curl`, so the collector carries no TLS stack of its own.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// The environment variable that holds the hook URL (`--build-hook-url-file` takes
/// precedence): the URL is a secret of sorts, since anyone who has it can start builds, so it
/// is never taken on the command line, where any local user could read it.
pub const ENV: &str = "KUME_BUILD_HOOK_URL";

/// A configured build hook.
/// Why the build hook is not set up, or a call to it failed.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    #[error("cannot read the build hook from {}: {source}", path.display())]
    Unreadable {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the build hook `{0}` is not an http:// or https:// address")]
    NotHttp(String),
    #[error("cannot run curl: {0}")]
    Curl(#[source] std::io::Error),
    #[error("the hook answered with an error: {0}")]
    Refused(String),
}

#[derive(Debug, Clone)]
pub struct BuildHook {
    url: String,
    delay: Duration,
}

impl BuildHook {
    /// The hook from the file `url_file` or the environment; `None` when neither is set.
    pub fn configured(
        url_file: Option<&Path>,
        delay: Duration,
    ) -> Result<Option<BuildHook>, HookError> {
        let url = match url_file {
            Some(path) => {
                Some(
                    std::fs::read_to_string(path).map_err(|source| HookError::Unreadable {
                        path: path.to_path_buf(),
                        source,
                    })?,
                )
            }
            None => std::env::var(ENV).ok().filter(|u| !u.trim().is_empty()),
        };
        let Some(url) = url.map(|u| u.trim().to_string()) else {
            return Ok(None);
        };
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(HookError::NotHttp(url));
        }
        Ok(Some(BuildHook { url, delay }))
    }

    /// Calls the hook once per window of new final answers, until the sender is dropped.
    pub fn run(&self, new_final: &Receiver<()>) {
        while new_final.recv().is_ok() {
            let closes = Instant::now() + self.delay;
            loop {
                let left = closes.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                match new_final.recv_timeout(left) {
                    Ok(()) => {}
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
            match self.trigger() {
                Ok(()) => tracing::info!("build hook called"),
                Err(e) => tracing::warn!(error = %e, "build hook failed"),
            }
        }
    }

    /// One POST to the hook (Netlify's hooks take an empty JSON object). The URL reaches curl
    /// through its standard input (`--config -`), not its arguments, which any local user can
    /// list.
    fn trigger(&self) -> Result<(), HookError> {
        let mut child = Command::new("curl")
            .args([
                "--silent",
                "--show-error",
                "--fail",
                "--max-time",
                "30",
                "--retry",
                "2",
                "--request",
                "POST",
                "--header",
                "Content-Type: application/json",
                "--data",
                "{}",
                "--output",
                "/dev/null",
                "--config",
                "-",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(HookError::Curl)?;
        let config = format!(
            "url = \"{}\"\n",
            self.url.replace('\\', "\\\\").replace('"', "\\\"")
        );
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(config.as_bytes())
                .map_err(HookError::Curl)?;
        }
        let out = child.wait_with_output().map_err(HookError::Curl)?;
        if out.status.success() {
            Ok(())
        } else {
            Err(HookError::Refused(
                String::from_utf8_lossy(&out.stderr).trim().to_string(),
            ))
        }
    }
}
