//! The ceiling for the collector's throughput on this machine: raw batched inserts into SQLite
//! with the collector's settings (WAL, synchronous = FULL, one transaction per batch), without
//! HTTP, parsing or validation. `benches/collector_load.py` runs it in the same run as the
//! server benchmark and reports the server as a share of it.
//!
//!     cargo bench --bench sqlite_ceiling -- [rows] [batch]

use std::time::Instant;

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let rows = args.first().copied().unwrap_or(200_000);
    let batch = args.get(1).copied().unwrap_or(512);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("ceiling.sqlite");
    let mut conn = kume::collect::store::open(&path).expect("open database");
    let answers = r#"{"aktif_uye":2,"oran":25,"uye_mi":"evet","uye_sayisi":8}"#;
    let start = Instant::now();
    let mut written = 0;
    while written < rows {
        let tx = conn.transaction().expect("begin");
        for _ in 0..batch.min(rows - written) {
            tx.execute(
                "INSERT INTO responses (id, survey, hash, wave, idem_key, payload_hash, status, lang, answers, received_at)
                 VALUES (?1, 'bench', 'h', 2026, ?1, 'p', 'final', 'tr', ?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                rusqlite::params![kume::collect::store::new_id().expect("random id"), answers],
            )
            .expect("insert");
            written += 1;
        }
        tx.commit().expect("commit");
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{{\"rows\": {rows}, \"batch\": {batch}, \"seconds\": {secs:.3}, \"rows_per_second\": {:.0}}}",
        rows as f64 / secs
    );
}
