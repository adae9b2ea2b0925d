//! `kume migrate-store`: every response, draft, history row and invitation of one store,
//! written as it is into another, empty one (SQLite to PostgreSQL when a project outgrows one
//! machine, or back). The source is read from one snapshot; the target takes everything in one
//! transaction, so a move that fails leaves it empty; the counts are compared afterwards.

use super::{Counts, StoreAddress, StoreError};

/// What a move carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moved {
    pub counts: Counts,
}

/// Moves everything from `from` into `to` (which must hold nothing).
pub fn transfer(from: &StoreAddress, to: &StoreAddress) -> Result<Moved, StoreError> {
    if from == to {
        return Err(StoreError::Unsupported(
            "the source and the target are the same database".into(),
        ));
    }
    let source = from.read_only()?;
    let dump = source.dump()?;
    let expected = source.counts()?;
    let target = to.start()?;
    target.load(&dump)?;
    let got = target.counts()?;
    // A collector still writing to the source during the move would make these differ.
    let moved = Counts {
        responses: dump.responses.len() as i64,
        drafts: dump
            .responses
            .iter()
            .filter(|r| r.status == "draft")
            .count() as i64,
        history: dump.history.len() as i64,
        invitations: dump.invitations.len() as i64,
    };
    if got != moved {
        return Err(StoreError::BadRow(format!(
            "the target holds {got:?} after the move, but {moved:?} were written"
        )));
    }
    if expected != moved {
        return Err(StoreError::BadRow(format!(
            "the source changed during the move ({moved:?} read, {expected:?} now): stop the collectors and move again into an empty target"
        )));
    }
    Ok(Moved { counts: moved })
}
