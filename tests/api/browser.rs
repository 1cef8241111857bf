//! The web app in a real headless Chromium: `e2e/run.js` (playwright-core) drives the
//! pages of a Taskward spawned here. Without Chromium, Node or `e2e/node_modules` the tests
//! print a notice and pass as skipped, except under `CI=true`, where they fail.
//! `SCREENSHOT_DIR=docs/screenshots` makes the main scenario save the README's screenshots.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;
use std::time::Duration;

use crate::helpers::{TestApp, TestDb};

/// Chromium on 2 cores does not like company: one scenario at a time.
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn e2e_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e")
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// Whether the browser tests can run here; a failure under `CI=true` when they cannot.
fn browser_available() -> bool {
    let mut missing = Vec::new();
    if !chromium().exists() {
        missing.push(format!(
            "{} (apt-get install chromium)",
            chromium().display()
        ));
    }
    if Command::new("node").arg("--version").output().is_err() {
        missing.push("node".to_owned());
    }
    if !e2e_dir().join("node_modules/playwright-core").exists() {
        missing.push("e2e/node_modules/playwright-core (cd e2e && npm ci)".to_owned());
    }
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var("CI").map_or(true, |v| v != "true"),
        "CI=true but the browser tests cannot run; missing: {}",
        missing.join(", ")
    );
    static NOTICE: Once = Once::new();
    NOTICE.call_once(|| {
        eprintln!(
            "notice: skipping the browser tests; missing: {}",
            missing.join(", ")
        );
    });
    false
}

/// Runs one scenario of `e2e/run.js` against `app` and fails with its output if it fails.
/// (The script stops itself after 3 minutes, 6 for axe, so a hung browser cannot hang the suite.)
async fn run_scenario(app: &TestApp, scenario: &str, env: &[(&str, String)]) {
    let mut cmd = Command::new("node");
    cmd.arg("run.js")
        .arg(scenario)
        .current_dir(e2e_dir())
        .env("BASE_URL", app.url(""))
        .env("CHROMIUM", chromium())
        // Only the scenarios given a (absolute) screenshot directory take screenshots.
        .env_remove("SCREENSHOT_DIR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let output = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("the scenario thread")
        .expect("node starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "browser scenario `{scenario}` failed:\n{stdout}\n{stderr}"
    );
}

fn screenshots() -> Vec<(&'static str, String)> {
    std::env::var("SCREENSHOT_DIR")
        .ok()
        .filter(|d| !d.is_empty())
        .map(|d| {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(d);
            vec![("SCREENSHOT_DIR", dir.display().to_string())]
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_signs_up_manages_tasks_and_their_account_in_a_browser() {
    if !browser_available() {
        return;
    }
    let _one = ONE_BROWSER.lock().await;
    let app = TestApp::spawn(TestDb::sqlite()).await;
    run_scenario(&app, "main", &screenshots()).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_flow_works_with_javascript_turned_off() {
    if !browser_available() {
        return;
    }
    let _one = ONE_BROWSER.lock().await;
    let app = TestApp::spawn(TestDb::sqlite()).await;
    run_scenario(&app, "nojs", &[]).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_people_share_a_list_in_two_browser_sessions() {
    if !browser_available() {
        return;
    }
    let _one = ONE_BROWSER.lock().await;
    let app = TestApp::spawn(TestDb::sqlite()).await;
    run_scenario(&app, "sharing", &screenshots()).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_add_today_and_upcoming_work_in_a_browser_with_and_without_javascript() {
    if !browser_available() {
        return;
    }
    let _one = ONE_BROWSER.lock().await;
    let app = TestApp::spawn(TestDb::sqlite()).await;
    run_scenario(&app, "today", &screenshots()).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_task_comes_back_with_undo_without_javascript() {
    if !browser_available() {
        return;
    }
    let _one = ONE_BROWSER.lock().await;
    let app = TestApp::spawn(TestDb::sqlite()).await;
    run_scenario(&app, "undo", &screenshots()).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_come_first_on_a_laptop_and_a_phone_and_actions_land_where_they_were() {
    if !browser_available() {
        return;
    }
    let _one = ONE_BROWSER.lock().await;
    let app = TestApp::spawn(TestDb::sqlite()).await;
    run_scenario(&app, "layout", &[]).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_are_set_in_the_form_and_a_test_notification_is_delivered_in_a_browser() {
    if !browser_available() {
        return;
    }
    let _one = ONE_BROWSER.lock().await;
    let db = TestDb::sqlite();
    let mut config = db.config();
    // A webhook to 127.0.0.1 may be added (it fails to send: nothing listens on port 9).
    config.notify.outbound_allow_hosts =
        taskward::outbound::OutboundPolicy::parse("127.0.0.1").expect("policy");
    let app = TestApp::spawn_with(db, config).await;
    run_scenario(&app, "reminders", &screenshots()).await;
    app.stop().await;
}

/// axe-core on every page, light and dark, desktop and phone (`e2e/a11y.js`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_finds_no_accessibility_violations_on_any_page() {
    if !browser_available() {
        return;
    }
    let _one = ONE_BROWSER.lock().await;
    let app = TestApp::spawn(TestDb::sqlite()).await;
    run_scenario(&app, "a11y", &[]).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_form_redirects_focuses_its_error_summary_and_back_never_resubmits() {
    if !browser_available() {
        return;
    }
    let _one = ONE_BROWSER.lock().await;
    let app = TestApp::spawn(TestDb::sqlite()).await;
    run_scenario(&app, "prg", &screenshots()).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_everywhere_ends_the_session_in_another_browser() {
    if !browser_available() {
        return;
    }
    let _one = ONE_BROWSER.lock().await;
    let app = TestApp::spawn(TestDb::sqlite()).await;
    run_scenario(&app, "everywhere", &[]).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_renews_silently_then_asks_to_sign_in_again() {
    if !browser_available() {
        return;
    }
    let _one = ONE_BROWSER.lock().await;
    let db = TestDb::sqlite();
    let mut config = db.config();
    config.access_token_ttl = Duration::from_secs(2);
    config.refresh_token_ttl = Duration::from_secs(6);
    let app = TestApp::spawn_with(db, config).await;
    let env = [
        ("ACCESS_TTL_MS", "2000".to_owned()),
        ("REFRESH_TTL_MS", "6000".to_owned()),
    ];
    let mut env = env.to_vec();
    env.extend(screenshots());
    run_scenario(&app, "expiry", &env).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_script_acts_in_place_keeps_focus_and_scroll_and_answers_the_keyboard() {
    if !browser_available() {
        return;
    }
    let _one = ONE_BROWSER.lock().await;
    let app = TestApp::spawn(TestDb::sqlite()).await;
    run_scenario(&app, "script", &[]).await;
    app.stop().await;
}

/// OAuth for MCP clients in Chromium: sign-in then consent, the answer followed to the
/// client under the page's CSP, the application disconnected on the Access tokens page,
/// and a denial without JavaScript.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_mcp_client_is_allowed_and_disconnected_in_a_browser() {
    if !browser_available() {
        return;
    }
    let _one = ONE_BROWSER.lock().await;
    let app = TestApp::spawn(TestDb::sqlite()).await;
    run_scenario(&app, "oauth", &screenshots()).await;
    app.stop().await;
}

/// Single sign-on with a real OpenID provider in Chromium: a new account, an existing one
/// linked by a vouched email (and not by an unverified one), and the forged state, the
/// replayed code and the wrong nonce refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_sign_on_with_an_openid_provider_in_a_browser() {
    if !browser_available() {
        return;
    }
    let Some(provider) = crate::oidc::OpenIdProvider::start() else {
        return;
    };
    let _one = ONE_BROWSER.lock().await;
    let db = TestDb::sqlite();
    let config = provider.configure(db.config(), true);
    let app = TestApp::spawn_with(db, config).await;
    let env = [("OIDC_ISSUER", provider.issuer.clone())];
    run_scenario(&app, "oidc", &env).await;
    app.stop().await;
}

/// Two-factor sign-in turned on in the browser (the secret read from the page, the codes
/// computed in Node), then signing in with a code and with a recovery code, JavaScript
/// off, and turning it off (`e2e/totp.js`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_factor_sign_in_is_set_up_and_used_in_a_browser() {
    if !browser_available() {
        return;
    }
    let _one = ONE_BROWSER.lock().await;
    let app = TestApp::spawn(TestDb::sqlite()).await;
    run_scenario(&app, "totp", &screenshots()).await;
    app.stop().await;
}

/// Forgotten password to a new one, with the mail received by aiosmtpd and its link opened
/// in the browser, and the account page's sessions (`e2e/recovery.js`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_password_is_reset_through_the_mailed_link_in_a_browser() {
    if !browser_available() {
        return;
    }
    let Some(receivers) = crate::receivers::Receivers::start() else {
        return;
    };
    let _one = ONE_BROWSER.lock().await;
    let db = TestDb::sqlite();
    let config = crate::recovery::mailing(&db, &receivers);
    let app = TestApp::spawn_public(db, config).await;
    let mut env = vec![("RECEIVERS_URL", receivers.control_url())];
    env.extend(screenshots());
    run_scenario(&app, "recovery", &env).await;
    app.stop().await;
}
