//! `serve --open`: the front page in the user's browser.
//!
//! Written by hand: opening a URL is one process start per platform, and the crates that do it
//! bring more than that. `$BROWSER` comes first, as for Python's `webbrowser`, `git web--browse`
//! and `xdg-open` itself; then the platform's opener. The browser is started and left running;
//! a failure is a note, never a reason to stop serving.

use std::process::{Command, Stdio};

/// Starts the browser on `url` (an `http://` address of the server's own: no shell text).
pub fn open(url: &str) -> std::io::Result<()> {
    let mut command = match std::env::var("BROWSER") {
        // May hold arguments (`firefox --new-window`): run by the shell with the URL as `$1`,
        // so the shell never splits or expands it.
        Ok(browser) if !browser.trim().is_empty() => {
            let mut command = Command::new("sh");
            command
                .arg("-c")
                .arg(format!("{browser} \"$1\""))
                .arg("sh")
                .arg(url);
            command
        }
        _ => platform_opener(url),
    };
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(drop)
}

#[cfg(target_os = "macos")]
fn platform_opener(url: &str) -> Command {
    let mut command = Command::new("open");
    command.arg(url);
    command
}

#[cfg(windows)]
fn platform_opener(url: &str) -> Command {
    // `start` is a built-in of cmd; its first quoted argument is a window title.
    let mut command = Command::new("cmd");
    command.args(["/C", "start", ""]).arg(url);
    command
}

#[cfg(not(any(target_os = "macos", windows)))]
fn platform_opener(url: &str) -> Command {
    let mut command = Command::new("xdg-open");
    command.arg(url);
    command
}
