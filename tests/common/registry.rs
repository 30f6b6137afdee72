//! A real OCI registry for the image tests: Debian's `docker-registry` (the CNCF
//! distribution registry), started on a free loopback port with its storage in a
//! temporary directory, stopped on drop.
//!
//! `.ci/run` installs it. When it is missing, a test that needs it fails under CI
//! (`CI` set) and is skipped, loudly, elsewhere.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A registry process on `127.0.0.1:<port>`.
pub struct Registry {
    child: Child,
    /// `127.0.0.1:<port>`, to put in front of an image name.
    pub host: String,
    _storage: tempfile::TempDir,
}

/// The registry program: `docker-registry` (Debian's name) or `registry` (upstream's).
fn program() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for name in ["docker-registry", "registry"] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

impl Registry {
    /// Starts a registry, or returns `None` (outside CI) when the program is missing.
    /// Panics under CI when it is missing or does not come up.
    pub fn start() -> Option<Registry> {
        let Some(program) = program() else {
            let message = "the OCI registry `docker-registry` is not installed \
                (Debian: `apt-get install docker-registry`; .ci/run installs it)";
            if super::under_ci() {
                panic!("{message}");
            }
            eprintln!("SKIPPED: {message}");
            return None;
        };
        let storage = tempfile::tempdir().expect("a temporary directory");
        // A free port: bind, read it, close; the registry binds it right after.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let host = format!("127.0.0.1:{port}");
        let config = storage.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {host}\n",
                storage.path().join("data").display()
            ),
        )
        .expect("write the registry config");
        let child = Command::new(program)
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start docker-registry");
        let mut registry = Registry {
            child,
            host,
            _storage: storage,
        };
        registry.wait_until_up();
        Some(registry)
    }

    fn wait_until_up(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if TcpStream::connect(&self.host).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                let mut err = String::new();
                if let Some(mut stderr) = self.child.stderr.take() {
                    let _ = stderr.read_to_string(&mut err);
                }
                panic!("docker-registry exited ({status}): {err}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "docker-registry did not listen on {} within 20 s",
            self.host
        );
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
