//! Taking over from a Better Auth frontend: its scrypt password hashes and
//! `taskward import --from-better-auth`.

pub mod import;
pub mod scrypt;
