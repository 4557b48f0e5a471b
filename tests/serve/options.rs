//! serve's command line: where it listens, and `--open`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::thread;
use std::time::{Duration, Instant};

use crate::harness::{get, Project};

#[test]
fn port_takes_the_place_of_the_port_of_addr() {
    let project = Project::sample();
    // Port 1 would be bound as given (the tests may run as root): --port 0 must win.
    let server = project.serve(&["--addr", "127.0.0.1:1", "--port", "0"]);
    assert_ne!(server.port, 1, "{}", server.stdout);
    assert_eq!(get(&server.url("/rss.xml"), &[]).status, 200);
}

#[test]
fn addr_may_be_a_port_alone_on_the_loopback_address() {
    let project = Project::sample();
    let server = project.serve(&["--addr", ":0"]);
    assert!(
        server.stdout.starts_with("listening on http://127.0.0.1:"),
        "{}",
        server.stdout
    );
    assert_eq!(get(&server.url("/"), &[]).status, 200);
}

#[test]
fn open_starts_the_browser_on_the_front_page() {
    let project = Project::sample();
    let opened = project.path("opened");
    let browser = project.path("browser.sh");
    // A browser that records the address it is given, as $1 and as one argument.
    fs::write(
        &browser,
        format!(
            "#!/bin/sh\nprintf '%s|%s\\n' \"$#\" \"$1\" > '{}'\n",
            opened.display()
        ),
    )
    .unwrap();
    fs::set_permissions(&browser, fs::Permissions::from_mode(0o755)).unwrap();
    let server = project.serve_with_env(&["--open"], &[("BROWSER", &browser)]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let recorded = loop {
        match fs::read_to_string(&opened) {
            Ok(text) if text.ends_with('\n') => break text,
            _ if Instant::now() < deadline => thread::sleep(Duration::from_millis(50)),
            _ => panic!(
                "the browser was never started; stderr:\n{}",
                server.stderr()
            ),
        }
    };
    assert_eq!(recorded, format!("1|{}/\n", server.origin));
    assert_eq!(get(&server.url("/"), &[]).status, 200);
}

#[test]
fn without_open_no_browser_is_started() {
    let project = Project::sample();
    let opened = project.path("opened");
    let browser = project.path("browser.sh");
    fs::write(
        &browser,
        format!("#!/bin/sh\ntouch '{}'\n", opened.display()),
    )
    .unwrap();
    fs::set_permissions(&browser, fs::Permissions::from_mode(0o755)).unwrap();
    let server = project.serve_with_env(&[], &[("BROWSER", &browser)]);
    assert_eq!(get(&server.url("/"), &[]).status, 200);
    thread::sleep(Duration::from_millis(300));
    assert!(!opened.exists());
}
