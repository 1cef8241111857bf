//! Hashing and verifying, through [`Passwords`] as the accounts use it.

use argon2::{Algorithm, Argon2, Params, PasswordHash, Version};

use super::*;

#[tokio::test]
async fn argon2id_hashes_verify_and_wrong_passwords_do_not() {
    let p = Passwords::new().expect("setup");
    let hash = p.hash("correct horse battery staple").await.expect("hash");
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert_eq!(
        p.verify("correct horse battery staple", Some(&hash))
            .await
            .expect("verify"),
        Verified::Match { rehash: false }
    );
    assert_eq!(
        p.verify("Correct horse battery staple", Some(&hash))
            .await
            .expect("verify"),
        Verified::Mismatch
    );
}

#[test]
fn one_core_is_left_to_the_runtime() {
    assert_eq!(hashing_threads(1), 1);
    assert_eq!(hashing_threads(2), 1);
    assert_eq!(hashing_threads(8), 7);
}

#[tokio::test]
async fn new_hashes_verify_with_the_argon2_crate_and_its_hashes_verify_here() {
    use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};

    let p = Passwords::new().expect("setup");
    let ours = p.hash("interchangeable").await.expect("hash");
    let parsed = PasswordHash::new(&ours).expect("a PHC string");
    assert!(
        Argon2::default()
            .verify_password(b"interchangeable", &parsed)
            .is_ok()
    );
    assert!(
        Argon2::default()
            .verify_password(b"interchangeable!", &parsed)
            .is_err()
    );
    let salt = parsed.salt.expect("salt");
    assert_eq!(salt.len(), 16);

    let theirs = Argon2::default()
        .hash_password(b"interchangeable")
        .expect("hash")
        .to_string();
    // Same shape: algorithm, version, parameters, salt and output lengths.
    assert_eq!(theirs.len(), ours.len(), "{theirs} / {ours}");
    assert_eq!(theirs[..31], ours[..31]);
    assert_eq!(
        p.verify("interchangeable", Some(&theirs))
            .await
            .expect("verify"),
        Verified::Match { rehash: false }
    );
    assert_eq!(
        p.verify("Interchangeable", Some(&theirs))
            .await
            .expect("verify"),
        Verified::Mismatch
    );
}

/// A hash made elsewhere with `params`, `algorithm` and `version`.
fn foreign_hash(algorithm: Algorithm, version: Version, params: Params, pw: &str) -> String {
    use argon2::password_hash::PasswordHasher as _;

    Argon2::new(algorithm, version, params)
        .hash_password(pw.as_bytes())
        .expect("hash")
        .to_string()
}

#[tokio::test]
async fn the_stored_hash_decides_the_parameters() {
    let p = Passwords::new().expect("setup");
    let params = |m, t, p, len| Params::new(m, t, p, Some(len)).expect("params");
    let cases = [
        // Less memory, more passes: weaker, so re-hashed.
        (
            Algorithm::Argon2id,
            Version::V0x13,
            params(4096, 3, 1, 32),
            true,
        ),
        // More memory than a pooled work area, two lanes, a longer output.
        (
            Algorithm::Argon2id,
            Version::V0x13,
            params(24 * 1024, 2, 2, 64),
            false,
        ),
        // Another variant and the old version: honoured, and replaced by argon2id.
        (
            Algorithm::Argon2i,
            Version::V0x10,
            params(19 * 1024, 2, 1, 32),
            true,
        ),
        (
            Algorithm::Argon2d,
            Version::V0x13,
            params(1024, 1, 1, 16),
            true,
        ),
    ];
    for (algorithm, version, params, rehash) in cases {
        let label = format!("{algorithm} {version:?} {params:?}");
        let hash = foreign_hash(algorithm, version, params, "tuned elsewhere");
        assert_eq!(
            p.verify("tuned elsewhere", Some(&hash))
                .await
                .expect("verify"),
            Verified::Match { rehash },
            "{label}: {hash}"
        );
        assert_eq!(
            p.verify("tuned elsewhere.", Some(&hash))
                .await
                .expect("verify"),
            Verified::Mismatch,
            "{label}"
        );
    }
}

#[tokio::test]
async fn altered_hashes_do_not_match() {
    let p = Passwords::new().expect("setup");
    let hash = p.hash("tamper-proof").await.expect("hash");
    // The same salt and output under other parameters, and no output at all.
    let other_t = hash.replace(",t=2,", ",t=3,");
    let (no_output, _) = hash.rsplit_once('$').expect("fields");
    for altered in [other_t.as_str(), no_output] {
        assert_eq!(
            p.verify("tamper-proof", Some(altered))
                .await
                .expect("verify"),
            Verified::Mismatch,
            "{altered}"
        );
    }
}

#[tokio::test]
async fn work_areas_are_reused_and_bounded_by_the_threads() {
    let p = Arc::new(Passwords::new().expect("setup"));
    let pooled = || p.areas.free.lock().expect("pool").len();
    assert_eq!(pooled(), 0, "allocated on first use, not at start");
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let p = Arc::clone(&p);
            tokio::spawn(async move {
                let password = format!("concurrent {i}");
                let hash = p.hash(&password).await.expect("hash");
                p.verify(&password, Some(&hash)).await.expect("verify")
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.expect("task"), Verified::Match { rehash: false });
    }
    let threads = p.areas.keep;
    assert!(
        (1..=threads).contains(&pooled()),
        "{} > {threads}",
        pooled()
    );
    // A larger stored hash gets a one-off area; the pooled ones keep their size.
    let big = Params::new(24 * 1024, 2, 1, None).expect("params");
    let hash = foreign_hash(Algorithm::Argon2id, Version::V0x13, big, "big");
    assert_eq!(
        p.verify("big", Some(&hash)).await.expect("verify"),
        Verified::Match { rehash: false }
    );
    let free = p.areas.free.lock().expect("pool");
    assert!(free.len() <= threads);
    assert!(
        free.iter()
            .all(|area| area.len() == Params::default().block_count())
    );
}

#[tokio::test]
async fn work_areas_are_freed_after_a_while_without_hashes() {
    let p = Passwords::releasing_after(Duration::from_millis(300)).expect("setup");
    let pooled = || p.areas.free.lock().expect("pool").len();
    let hash = p.hash("burst").await.expect("hash");
    assert_eq!(pooled(), 1, "kept for the next hash");
    // Hashes closer together than the idle time keep the area.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        p.verify("burst", Some(&hash)).await.expect("verify");
        assert_eq!(pooled(), 1);
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while pooled() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the area was never freed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The next hash makes a new one and still verifies.
    assert_eq!(
        p.verify("burst", Some(&hash)).await.expect("verify"),
        Verified::Match { rehash: false }
    );
    assert_eq!(pooled(), 1);
}

#[cfg(unix)]
#[tokio::test]
async fn hashing_threads_run_at_a_lower_priority_than_requests() {
    let p = Passwords::new().expect("setup");
    let ours = rustix::process::getpriority_process(None).expect("own priority");
    let theirs = p
        .threads
        .run(|| rustix::process::getpriority_process(None))
        .await
        .expect("run")
        .expect("hashing thread's priority");
    assert_eq!(theirs, (ours + pool::HASHING_NICE).min(19), "ours: {ours}");
    assert_eq!(
        rustix::process::getpriority_process(None).expect("own priority"),
        ours,
        "only the hashing threads are lowered"
    );
}

#[tokio::test]
async fn bcrypt_hashes_verify_and_ask_for_a_rehash() {
    let p = Passwords::new().expect("setup");
    let hash = bcrypt::hash("old-stack-password", 4).expect("bcrypt");
    for prefix in ["$2a$", "$2b$", "$2y$"] {
        let variant = format!("{prefix}{}", &hash[4..]);
        assert_eq!(
            p.verify("old-stack-password", Some(&variant))
                .await
                .expect("verify"),
            Verified::Match { rehash: true },
            "{prefix}"
        );
    }
    assert_eq!(
        p.verify("wrong-password", Some(&hash))
            .await
            .expect("verify"),
        Verified::Mismatch
    );
}

#[tokio::test]
async fn better_auth_scrypt_hashes_verify_and_ask_for_a_rehash() {
    let p = Passwords::new().expect("setup");
    // From the peer's README: written by better-auth 1.7.25 on sign-up.
    let hash = "1530e6fb97b68137d8de7515497c54e1:d5b620b617ec52e3d2ca856f4f0db878f935cc571eb4dbaedfed73eab29a751e3906ce17ddc220d1e52587c44b68ffa0472a39a943e9338e81475a33c689c83e";
    assert_eq!(
        p.verify("Passw0rd!-test", Some(hash))
            .await
            .expect("verify"),
        Verified::Match { rehash: true }
    );
    assert_eq!(
        p.verify("passw0rd!-test", Some(hash))
            .await
            .expect("verify"),
        Verified::Mismatch
    );
}

#[tokio::test]
async fn unknown_accounts_and_garbage_hashes_never_match() {
    let p = Passwords::new().expect("setup");
    assert_eq!(
        p.verify("anything", None).await.expect("verify"),
        Verified::Mismatch
    );
    assert_eq!(
        p.verify("anything", Some("not a hash"))
            .await
            .expect("verify"),
        Verified::Mismatch
    );
}

#[tokio::test]
async fn the_dummy_hash_has_the_parameters_of_a_real_one() {
    let p = Passwords::new().expect("setup");
    let real = p.hash("a real password").await.expect("hash");
    let (real, dummy) = (
        PasswordHash::new(&real).expect("real parses"),
        PasswordHash::new(&p.dummy).expect("dummy parses"),
    );
    assert_eq!(dummy.algorithm, real.algorithm);
    assert_eq!(dummy.version, real.version);
    assert_eq!(dummy.params, real.params, "so verifying it costs the same");
    assert_eq!(
        dummy.hash.map(|h| h.len()),
        real.hash.map(|h| h.len()),
        "same output length"
    );
    assert_ne!(dummy.salt, real.salt);
}

#[tokio::test]
async fn hashes_that_cannot_be_verified_cost_a_real_check_and_never_match() {
    // An account of an external issuer has no password; a garbage hash is none either.
    // Before, both answered at once, telling an attacker the account exists.
    for stored in ["!external", "not a hash", ""] {
        let p = Passwords::new().expect("setup");
        assert_eq!(
            p.verify("anything", Some(stored)).await.expect("verify"),
            Verified::Mismatch,
            "{stored}"
        );
        assert_eq!(
            p.areas.free.lock().expect("pool").len(),
            1,
            "`{stored}` was checked against the dummy hash, in a work area"
        );
    }
}

#[tokio::test]
async fn argon2_hashes_beyond_the_caps_never_match_even_with_the_right_password() {
    let p = Passwords::new().expect("setup");
    let greedy = Params::new(MAX_ARGON2_MEMORY_KIB + 1024, 1, 1, None).expect("params");
    let hash = foreign_hash(Algorithm::Argon2id, Version::V0x13, greedy, "right");
    assert_eq!(
        p.verify("right", Some(&hash)).await.expect("verify"),
        Verified::Mismatch,
        "{hash}"
    );
    let free = p.areas.free.lock().expect("pool");
    assert!(
        free.iter()
            .all(|area| area.len() == Params::default().block_count()),
        "only the dummy hash's pooled area was used"
    );
}

#[test]
fn stored_hashes_are_checked_against_the_caps() {
    let salt = "c29tZXNhbHRzb21lc2FsdA";
    let out = "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
    let argon = |m: u32, t: u32, p: u32| format!("$argon2id$v=19$m={m},t={t},p={p}${salt}${out}");
    assert!(check_stored(&argon(19_456, 2, 1)).is_ok(), "OWASP");
    assert!(
        check_stored(&argon(65_536, 3, 4)).is_ok(),
        "RFC 9106, second option"
    );
    assert!(
        check_stored(&argon(7_168, 5, 1)).is_ok(),
        "OWASP, least memory"
    );
    for (m, t, p) in [
        (4 * 1024 * 1024, 1, 1),
        (2 * 1024 * 1024, 1, 4),
        (65_536, 4, 1),
        (65_536, 1, 16),
    ] {
        let hash = argon(m, t, p);
        let refused = check_stored(&hash).expect_err(&hash);
        assert!(refused.contains("more than Taskward verifies"), "{refused}");
    }
    let bcrypt = bcrypt::hash("x", 4).expect("bcrypt");
    assert!(check_stored(&bcrypt).is_ok());
    assert!(check_stored(&format!("$2b$14{}", &bcrypt[6..])).is_ok());
    let slow = format!("$2b$31{}", &bcrypt[6..]);
    assert!(check_stored(&slow).expect_err(&slow).contains("cost 31"));
    assert!(check_stored("!external").is_err());
    assert!(check_stored("$scrypt$ln=16,r=8,p=1$c2FsdA$aGFzaA").is_err());
}
