//! `kume aggregate` at scale: a database of 1,000,000 final responses (member-firm answers with
//! a cluster-manager answer per cluster and wave) for the repository's surveys, indicators and
//! cluster registry, aggregated once. Prints the time and the process's peak memory.
//!
//!     cargo bench --bench aggregate_scale -- [responses]

use std::path::Path;
use std::time::Instant;

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let total: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = kume::config::Config::load(root).expect("the repository's site config");
    let (project, surveys, _) = kume::survey::compile::load_project(&config);
    let clusters: Vec<String> = project
        .registry
        .clusters
        .iter()
        .map(|c| c.id.clone())
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("scale.sqlite");
    let mut conn = kume::collect::store::open(&db).expect("database");
    conn.pragma_update(None, "synchronous", "OFF")
        .expect("pragma");

    let start = Instant::now();
    let waves = [2024, 2025, 2026];
    let tx = conn.transaction().expect("begin");
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO responses (id, survey, hash, wave, idem_key, payload_hash, status, lang, cluster, answers, received_at)
                 VALUES (?1, ?2, 'h', ?3, ?1, 'p', 'final', 'tr', ?4, ?5, '2026-01-01T00:00:00Z')",
            )
            .expect("prepare");
        let mut n = 0usize;
        let mut seed = 12345u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for &wave in &waves {
            for c in &clusters {
                let answers = format!(
                    r#"{{"kobi_uye_sayisi":{},"buyuk_uye_sayisi":{},"universite_uye_sayisi":2,"kamu_uye_sayisi":1,"diger_uye_sayisi":3,"yonetim_ekibi_tze":{},"toplam_butce":{},"etkinlik_sayisi":{},"ortak_proje_sayisi":{}}}"#,
                    20 + next() % 200,
                    next() % 10,
                    1 + next() % 5,
                    100_000 + next() % 5_000_000,
                    next() % 40,
                    next() % 15
                );
                insert
                    .execute(rusqlite::params![
                        format!("m{n}"),
                        "kume-yoneticisi",
                        wave,
                        c,
                        answers
                    ])
                    .expect("insert");
                n += 1;
            }
        }
        while n < total {
            let c = &clusters[(next() % clusters.len() as u64) as usize];
            let wave = waves[(next() % 3) as usize];
            let s = |k: u64| (1 + k % 5).to_string();
            let answers = format!(
                r#"{{"ihracat_2026":{},"ihracat_2025":{},"yeni_urun_surec_sayisi":{},"memnuniyet.s1":"{}","memnuniyet.s2":"{}","memnuniyet.s3":"{}","memnuniyet.s4":"{}","tavsiye_olasiligi":"{}","calisan_sayisi":{}}}"#,
                next() % 2_000_000,
                next() % 2_000_000,
                next() % 6,
                s(next()),
                s(next()),
                s(next()),
                s(next()),
                next() % 11,
                5 + next() % 300
            );
            insert
                .execute(rusqlite::params![
                    format!("f{n}"),
                    "uye-firma",
                    wave,
                    c,
                    answers
                ])
                .expect("insert");
            n += 1;
        }
    }
    tx.commit().expect("commit");
    drop(conn);
    let generated = start.elapsed().as_secs_f64();
    let rss_before = peak_rss_mib();

    let start = Instant::now();
    use kume::collect::store::{ResponseStore, SqliteStore};
    let store = SqliteStore::read_only(&db).expect("the database opens");
    let read = |each: &mut dyn FnMut(_)| store.each_final(each);
    let (snapshot, _) = kume::aggregate::aggregate(&project, &surveys, read, 5).expect("aggregate");
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{{\"responses\": {total}, \"clusters\": {}, \"waves\": {}, \"values\": {}, \"distributions\": {}, \"generate_s\": {generated:.1}, \"aggregate_s\": {seconds:.2}, \"peak_rss_mib_before\": {rss_before:.0}, \"peak_rss_mib\": {:.0}}}",
        clusters.len(),
        snapshot.waves.len(),
        snapshot.values.len(),
        snapshot.distributions.len(),
        peak_rss_mib()
    );
}
