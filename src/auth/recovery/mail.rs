//! What the account mails say: plain text, the link on a line of its own, how long it
//! works, and what to do when the mail was not expected.

use super::{CONFIRM_FOR, RESET_FOR};

/// One mail: to whom, its subject and its body.
pub(super) struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

const SIGNATURE: &str = "\n-- \nSent by Taskward, because of a request made on its site.\n";

fn mail(to: &str, subject: &str, body: String) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: subject.to_owned(),
        body: body + SIGNATURE,
    }
}

/// The password-reset link.
pub(super) fn reset(to: &str, link: &str) -> Mail {
    mail(
        to,
        "Reset your Taskward password",
        format!(
            "Someone (we hope you) asked to reset the password of the Taskward account of \
             this address.\n\nChoose a new password here:\n\n{link}\n\nThe link works once, \
             for {} minutes. Every device signed in to the account will be signed out.\n\n\
             If you did not ask, ignore this mail: your password stays as it is.\n",
            RESET_FOR.whole_minutes()
        ),
    )
}

/// The verification link.
pub(super) fn verify(to: &str, link: &str) -> Mail {
    mail(
        to,
        "Confirm your email address for Taskward",
        format!(
            "Please confirm that this address is yours for your Taskward account:\n\n{link}\n\n\
             The link works once, for {} hours. If you have no Taskward account, ignore this \
             mail.\n",
            CONFIRM_FOR.whole_hours()
        ),
    )
}

/// The link that confirms a new address.
pub(super) fn change(to: &str, link: &str) -> Mail {
    mail(
        to,
        "Confirm your new email address for Taskward",
        format!(
            "A Taskward account asked to use this address from now on. Confirm it here:\n\n\
             {link}\n\nThe link works once, for {} hours. Until then the account keeps its \
             old address. If you did not ask for this, ignore this mail.\n",
            CONFIRM_FOR.whole_hours()
        ),
    )
}

/// The note to the new address when another account has it already.
pub(super) fn change_taken(to: &str) -> Mail {
    mail(
        to,
        "Your address was given for another Taskward account",
        "A Taskward account asked to use this address, but you already have an account \
         with it, so nothing was changed. If that was you, sign in with this address instead; \
         if it was not, ignore this mail.\n"
            .to_owned(),
    )
}

/// The note to the old address of a change.
pub(super) fn change_told(to: &str, new: &str) -> Mail {
    mail(
        to,
        "Your Taskward email address is being changed",
        format!(
            "Someone signed in to your Taskward account asked to change its email address to \
             {new}. The change happens only when the link sent there is opened.\n\n\
             If this was not you, sign in, change your password and sign out everywhere \
             (Account page); the change then cannot be confirmed by someone who knew the old \
             password.\n"
        ),
    )
}
