//! `/api/auth/signin`, `/api/auth/signin/2fa` and `/api/auth/2fa/totp...`: signing in
//! with a password, and two-factor sign-in with TOTP (API-2.md section 6). Setting it up gives a secret and its `otpauth://` URI (a client
//! draws its own QR code; the web app's is drawn on the server), confirming it with a
//! first code gives the recovery codes; `POST /api/auth/signin` then answers a challenge
//! (`mfa_required`), which `POST /api/auth/signin/2fa` exchanges for the tokens.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{AuthResponse, no_store};
use super::responses::{Always, Authenticated, Conflict, ReadsBody, TooManyRequests, Unauthorized};
use super::wire::{Fields, Member, body};
use crate::auth::totp::{Challenge, Factor, SignIn as SignInOutcome};
use crate::auth::{ClientInfo, CurrentUser, TwoFactor};
use crate::error::{AppError, AppResult, FieldError};
use crate::http::ApiJson;
use crate::state::AppState;

/// The two-factor routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(auth_totp_begin, auth_totp_disable))
        .routes(routes!(auth_totp_confirm))
        .routes(routes!(auth_signin))
        .routes(routes!(auth_signin_2fa))
}

/// The answer to a right password of an account with two-factor sign-in on: no tokens
/// yet, a code comes next (`POST /api/auth/signin/2fa`).
#[derive(Debug, Serialize, ToSchema)]
pub struct MfaRequired {
    /// Always `true`.
    #[schema(example = true)]
    mfa_required: bool,
    /// Presented with the code; works for 5 minutes and at most 5 codes, once.
    #[schema(example = "Qm9vdHN0cmFwcGluZyB0aGUgc2Vjb25kIHN0ZXAuLi4uLi4")]
    mfa_token: String,
    /// What may follow: a code of the authenticator app, or a recovery code.
    #[schema(example = json!(["totp", "recovery_code"]))]
    methods: [&'static str; 2],
    /// Seconds the token works for.
    #[schema(example = 300)]
    expires_in: u64,
}

impl From<Challenge> for MfaRequired {
    fn from(c: Challenge) -> Self {
        Self {
            mfa_required: true,
            mfa_token: c.mfa_token,
            methods: ["totp", "recovery_code"],
            expires_in: c.expires_in,
        }
    }
}

/// What signing in answers: the tokens, or, with two-factor sign-in on, the challenge.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum SignInAnswer {
    /// Signed in.
    Tokens(AuthResponse),
    /// The second step comes next.
    SecondStep(MfaRequired),
}

/// The code or the recovery code of a body: exactly one of them.
fn factor<'a>(
    f: &mut Fields,
    code: &'a Member<String>,
    recovery: &'a Member<String>,
) -> Option<Factor<'a>> {
    match (code, recovery) {
        (Member::Given(c), Member::Absent | Member::Null) => Some(Factor::Code(c)),
        (Member::Absent | Member::Null, Member::Given(r)) => Some(Factor::RecoveryCode(r)),
        (Member::Given(_), Member::Given(_)) => {
            f.reject(FieldError::new(
                "recovery_code",
                "give either `code` or `recovery_code`, not both",
            ));
            None
        }
        (Member::Wrong { .. }, _) => {
            f.reject(FieldError::new("code", "must be a string"));
            None
        }
        (_, Member::Wrong { .. }) => {
            f.reject(FieldError::new("recovery_code", "must be a string"));
            None
        }
        _ => {
            f.reject(FieldError::new(
                "code",
                "is required (or `recovery_code` instead)",
            ));
            None
        }
    }
}

body! {
    /// Credentials.
    struct SignIn {
        /// The account's email, in any case.
        #[schema(required, example = "ada@example.com")]
        email: String,
        /// The account's password.
        #[schema(required, example = "correct horse battery")]
        password: String,
    }
}

/// Sign in with email and password. With two-factor sign-in on, the answer has no tokens
/// but `{"mfa_required": true, "mfa_token", "methods"}`: the code follows at
/// `POST /api/auth/signin/2fa`.
#[utoipa::path(post, path = "/api/auth/signin", tag = "accounts", request_body = SignIn,
    security(),
    responses(
        (status = 200, description = "Signed in, or the second step comes next", body = SignInAnswer,
            headers(("Cache-Control" = String, description = "`no-store`: tokens are never cached"))),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
        ReadsBody, Always,
    ))]
async fn auth_signin(
    State(two_factor): State<Arc<TwoFactor>>,
    client: ClientInfo,
    ApiJson(body): ApiJson<SignIn>,
) -> AppResult<Response> {
    let mut f = Fields::new();
    let email = f.required("email", body.email, Ok);
    let password = f.required("password", body.password, Ok);
    let (email, password) = f
        .finish(email.zip(password))
        .map_err(AppError::Validation)?;
    let answer = match two_factor.sign_in(&email, &password, &client).await? {
        SignInOutcome::Session(issued) => SignInAnswer::Tokens(AuthResponse::from(*issued)),
        SignInOutcome::SecondStep(challenge) => SignInAnswer::SecondStep(challenge.into()),
    };
    Ok(no_store(StatusCode::OK, answer))
}

body! {
    /// The second step of a sign-in.
    struct SecondStep {
        /// The `mfa_token` of the sign-in's answer.
        #[schema(required, example = "Qm9vdHN0cmFwcGluZyB0aGUgc2Vjb25kIHN0ZXAuLi4uLi4")]
        mfa_token: String,
        /// The 6 digits the authenticator app shows now (spaces ignored).
        #[schema(example = "492039")]
        code: String,
        /// Instead of `code`: one of the recovery codes (case, spaces and dashes ignored).
        #[schema(example = "7kq2m-x9d4t")]
        recovery_code: String,
    }
}

/// Finish a sign-in with a code of the authenticator app or a recovery code. A wrong
/// code is `422` on its field; the 5th wrong code, 5 minutes, or a used token end the
/// challenge (`401`: sign in again).
#[utoipa::path(post, path = "/api/auth/signin/2fa", tag = "accounts", request_body = SecondStep,
    security(),
    responses(
        (status = 200, description = "Signed in", body = AuthResponse,
            headers(("Cache-Control" = String, description = "`no-store`: tokens are never cached"))),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
        ReadsBody, Always,
    ))]
async fn auth_signin_2fa(
    State(two_factor): State<Arc<TwoFactor>>,
    client: ClientInfo,
    ApiJson(body): ApiJson<SecondStep>,
) -> AppResult<Response> {
    let mut f = Fields::new();
    let chosen = factor(&mut f, &body.code, &body.recovery_code);
    let token = f.required("mfa_token", body.mfa_token, Ok);
    let (token, chosen) = f.finish(token.zip(chosen)).map_err(AppError::Validation)?;
    let issued = two_factor.sign_in_second(&token, chosen, &client).await?;
    Ok(no_store(StatusCode::OK, AuthResponse::from(issued)))
}

body! {
    /// The password, to start a set-up.
    struct Begin {
        /// The account's password.
        #[schema(required, example = "correct horse battery")]
        password: String,
    }
}

/// A secret to add to an authenticator app.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotpSetup {
    /// The secret in base32 (RFC 4648), to type into the app by hand.
    #[schema(example = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")]
    secret: String,
    /// The Key URI the app reads from a QR code: SHA-1, 6 digits, 30 seconds.
    #[schema(
        example = "otpauth://totp/Taskward:ada%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Taskward"
    )]
    otpauth_uri: String,
}

/// Start setting up two-factor sign-in: a new secret, pending until a first code confirms
/// it (`POST /api/auth/2fa/totp/confirm`); a second call replaces a pending secret.
#[utoipa::path(post, path = "/api/auth/2fa/totp", tag = "accounts", security(("bearer" = [])),
    request_body = Begin,
    responses(
        (status = 200, description = "The pending secret", body = TotpSetup,
            headers(("Cache-Control" = String, description = "`no-store`: the secret is never cached"))),
        (status = 409, response = Conflict),
        (status = 429, response = TooManyRequests),
        Authenticated, ReadsBody, Always,
    ))]
async fn auth_totp_begin(
    State(two_factor): State<Arc<TwoFactor>>,
    user: CurrentUser,
    ApiJson(body): ApiJson<Begin>,
) -> AppResult<Response> {
    let mut f = Fields::new();
    let password = f.required("password", body.password, Ok);
    let password = f.finish(password).map_err(AppError::Validation)?;
    let setup = two_factor.begin(user, &password).await?;
    let answer = TotpSetup {
        secret: setup.secret,
        otpauth_uri: setup.otpauth_uri,
    };
    Ok(no_store(StatusCode::OK, answer))
}

body! {
    /// A first code of the pending secret.
    struct Confirm {
        /// The 6 digits the authenticator app shows now.
        #[schema(required, example = "492039")]
        code: String,
    }
}

/// The recovery codes: each signs in once in place of a code. Shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Ten codes.
    #[schema(example = json!(["7kq2m-x9d4t", "b3n8r-q0w5z"]))]
    recovery_codes: Vec<String>,
}

/// Turn two-factor sign-in on with a first code of the pending secret.
#[utoipa::path(post, path = "/api/auth/2fa/totp/confirm", tag = "accounts", security(("bearer" = [])),
    request_body = Confirm,
    responses(
        (status = 200, description = "On; the recovery codes, shown once", body = RecoveryCodes,
            headers(("Cache-Control" = String, description = "`no-store`: the codes are never cached"))),
        (status = 409, response = Conflict),
        (status = 429, response = TooManyRequests),
        Authenticated, ReadsBody, Always,
    ))]
async fn auth_totp_confirm(
    State(two_factor): State<Arc<TwoFactor>>,
    user: CurrentUser,
    ApiJson(body): ApiJson<Confirm>,
) -> AppResult<Response> {
    let mut f = Fields::new();
    let code = f.required("code", body.code, Ok);
    let code = f.finish(code).map_err(AppError::Validation)?;
    let recovery_codes = two_factor.confirm(user, &code).await?;
    Ok(no_store(StatusCode::OK, RecoveryCodes { recovery_codes }))
}

body! {
    /// The password and a code, to turn two-factor sign-in off.
    struct Disable {
        /// The account's password.
        #[schema(required, example = "correct horse battery")]
        password: String,
        /// The 6 digits the authenticator app shows now.
        #[schema(example = "492039")]
        code: String,
        /// Instead of `code` (the device is lost): one of the recovery codes.
        #[schema(example = "7kq2m-x9d4t")]
        recovery_code: String,
    }
}

/// Turn two-factor sign-in off: the secret and the recovery codes are deleted.
#[utoipa::path(delete, path = "/api/auth/2fa/totp", tag = "accounts", security(("bearer" = [])),
    request_body = Disable,
    responses(
        (status = 204, description = "Off"),
        (status = 409, response = Conflict),
        (status = 429, response = TooManyRequests),
        Authenticated, ReadsBody, Always,
    ))]
async fn auth_totp_disable(
    State(two_factor): State<Arc<TwoFactor>>,
    user: CurrentUser,
    ApiJson(body): ApiJson<Disable>,
) -> AppResult<StatusCode> {
    let mut f = Fields::new();
    let chosen = factor(&mut f, &body.code, &body.recovery_code);
    let password = f.required("password", body.password, Ok);
    let (password, chosen) = f
        .finish(password.zip(chosen))
        .map_err(AppError::Validation)?;
    two_factor.disable(user, &password, chosen).await?;
    Ok(StatusCode::NO_CONTENT)
}
