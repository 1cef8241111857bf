//! Accounts and tokens, as a domain: the account values ([`model`]), password hashing
//! ([`password`], with the imported hash formats beside it: [`scrypt`]), JWT access
//! tokens ([`token`]) signed with the secret of [`secret`], sign-in rate limits
//! ([`limit`]), external issuers' tokens ([`external`], [`jwks`]), and the services
//! every face uses: [`Accounts`] (sign-up, sign-in, sessions, the account itself) and
//! [`Authenticator`] (who is calling), and [`AccessTokens`]: personal access tokens (their
//! values in [`pat`]), made, listed and revoked by their owner and checked by the faces
//! that take one (CalDAV's password); and [`Recovery`]: password reset, email
//! verification and change, by mailed links; and [`TwoFactor`] ([`totp`]): two-factor
//! sign-in with TOTP codes and recovery codes, and sign-in itself, which asks for the
//! second step when it is on.
//!
//! Nothing here knows HTTP: the faces turn headers, cookies and bodies into these values.

pub mod access_tokens;
pub mod accounts;
pub mod authenticator;
pub mod external;
pub mod jwks;
pub mod limit;
pub mod model;
pub mod oidc;
pub mod password;
pub mod pat;
pub mod recovery;
pub mod scrypt;
pub mod secret;
pub mod token;
pub mod totp;

pub use access_tokens::{AccessTokens, NewAccessToken};
pub use accounts::{Accounts, ClientInfo, Issued, SignUp};
pub use authenticator::{Authenticator, CurrentUser, ExternalSubject};
pub use recovery::Recovery;
pub use totp::TwoFactor;
