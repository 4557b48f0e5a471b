//! `chronicle completions` and `chronicle man`: what shells and man readers load.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::harness::{stderr, Project};

/// Runs `program args...` with `input` on stdin; returns (success, stdout, stderr).
fn run_with_input(program: &str, args: &[&str], input: &[u8]) -> (bool, String, String) {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} (installed by .ci/install-tools.sh): {e}"));
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input)
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait for the shell");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn completions_generate_for_every_shell() {
    let project = Project::empty();
    for (shell, marker) in [
        ("bash", "complete -F _chronicle"),
        ("zsh", "#compdef chronicle"),
        ("fish", "complete -c chronicle"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[chronicle]"),
    ] {
        let script = project.ok(&["completions", shell]);
        assert!(script.contains(marker), "{shell}:\n{script}");
        // Every command and a flag of each is offered.
        for word in ["build", "export", "list", "serve", "events", "since"] {
            assert!(script.contains(word), "{shell} lacks {word}");
        }
    }
}

#[test]
fn completions_load_in_bash_zsh_and_fish() {
    let project = Project::empty();
    let bash = project.ok(&["completions", "bash"]);
    let (ok, out, err) = run_with_input(
        "bash",
        &["--norc", "-c", "source /dev/stdin && complete -p chronicle"],
        bash.as_bytes(),
    );
    assert!(ok && err.is_empty(), "{err}");
    assert!(out.contains("-F _chronicle chronicle"), "{out}");

    // zsh: the script defines its function when compinit's compdef is there to register it.
    let zsh = project.ok(&["completions", "zsh"]);
    let (ok, out, err) = run_with_input(
        "zsh",
        &[
            "-f",
            "-c",
            "autoload -Uz compinit && compinit -u -D && source /dev/stdin && whence -w _chronicle",
        ],
        zsh.as_bytes(),
    );
    assert!(ok && err.is_empty(), "{err}");
    assert_eq!(out.trim(), "_chronicle: function");

    let fish = project.ok(&["completions", "fish"]);
    let (ok, out, err) = run_with_input(
        "fish",
        &[
            "--no-config",
            "-c",
            "source; complete -C 'chronicle li'; complete -C 'chronicle build --q'; complete -C 'chronicle list --f'",
        ],
        fish.as_bytes(),
    );
    assert!(ok && err.is_empty(), "{err}");
    assert!(out.lines().any(|l| l.starts_with("list\t")), "{out}");
    assert!(out.lines().any(|l| l.starts_with("--quiet\t")), "{out}");
    assert!(out.lines().any(|l| l.starts_with("--format\t")), "{out}");
}

#[test]
fn man_pages_render_without_warnings() {
    let project = Project::empty();
    for args in [
        vec!["man"],
        vec!["man", "build"],
        vec!["man", "list"],
        vec!["man", "completions"],
    ] {
        let page = project.ok(&args);
        // -ww: every warning; -z: format, print nothing but diagnostics.
        let (ok, _, err) =
            run_with_input("groff", &["-man", "-Tutf8", "-ww", "-z"], page.as_bytes());
        assert!(ok && err.is_empty(), "{args:?}: {err}");
        let (ok, text, err) = run_with_input("groff", &["-man", "-Tutf8"], page.as_bytes());
        assert!(ok && err.is_empty(), "{args:?}: {err}");
        let text = strip_overstrike(&text);
        assert!(text.contains("NAME"), "{text}");
        if args.len() == 2 {
            assert!(text.contains(&format!("chronicle {}", args[1])), "{text}");
        }
    }
    let build = strip_overstrike(
        &run_with_input(
            "groff",
            &["-man", "-Tutf8"],
            project.ok(&["man", "build"]).as_bytes(),
        )
        .1,
    );
    assert!(build.contains("--allow-id-change"), "{build}");
}

#[test]
fn man_for_an_unknown_command_names_the_commands() {
    let project = Project::empty();
    let out = project.chronicle(&["man", "bild"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert_eq!(
        stderr(&out),
        "chronicle: error: no command is named 'bild' (commands: init, new, check, build, \
         export, import, list, serve, completions, man)\n"
    );
}

/// groff's terminal output bolds by overstriking (`c\bc`); the text without it.
fn strip_overstrike(text: &str) -> String {
    let mut out: Vec<char> = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if chars.peek() == Some(&'\u{8}') {
            chars.next();
            continue;
        }
        out.push(c);
    }
    out.into_iter().collect()
}
