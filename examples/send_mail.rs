//! Sends one email with the settings `taskward serve` would use (`SMTP_URL`, `SMTP_FROM`,
//! from the environment or `.env`), to try a mail server by hand:
//!
//! ```sh
//! SMTP_URL='smtp://127.0.0.1:2525?tls=off' SMTP_FROM='Taskward <taskward@example.com>' \
//!   cargo run --example send_mail -- ann@example.org "Subject" "Body"
//! ```
//!
//! Without `SMTP_URL` the message is written to the log, as the server does.

use clap::Parser;
use taskward::config::notify::NotifyConfig;
use taskward::notify::email::Mailer;

/// The notification settings, then whom to send what.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    notify: NotifyConfig,
    /// The recipient, `Name <address>` or an address.
    to: String,
    /// The subject.
    #[arg(default_value = "A test from Taskward")]
    subject: String,
    /// The body (plain text).
    #[arg(default_value = "If you can read this, Taskward can send you reminders.")]
    body: String,
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let _ = dotenvy::dotenv();
    tracing_subscriber::fmt().init();
    let args = Args::parse();
    let problems = args.notify.check();
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    let mailer = Mailer::new(&args.notify)?;
    println!("{mailer:?}");
    mailer
        .send(&args.to, &args.subject, &args.body)
        .await
        .map_err(|e| format!("{e:?}"))?;
    println!("sent to {}", args.to);
    Ok(())
}
