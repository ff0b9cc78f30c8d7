//! A real AWS emulator for the AWS-mode tests: moto's server (DynamoDB, S3, SESv2) from
//! the project's `.venv` (installed by `tests/aws-tools`), one per test binary on a free
//! port. It is started through a small watchdog that stops it when this process's end
//! of a pipe closes, so a test run that ends (or crashes) never leaves a server behind.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};

pub struct Moto {
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
    _child: Mutex<Child>,
}

/// The region every test uses (the vendor's default deployment region).
pub const REGION: &str = "ap-northeast-1";

fn moto_server() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let bin = root.join(".venv/bin/moto_server");
    assert!(
        bin.is_file(),
        "{} is missing: run tests/aws-tools (tests/run does) to install moto",
        bin.display()
    );
    bin
}

/// The emulator of this test binary, started on first use.
pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(start)
}

fn start() -> Moto {
    let server = moto_server();
    let python = server.with_file_name("python");
    // The watchdog picks a free port, starts moto on it, prints the port once moto
    // answers, and stops moto when stdin reaches end of file (this process is gone).
    let watchdog = r#"
import socket, subprocess, sys, time, urllib.request
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
# moto_server answers requests on many threads but its DynamoDB is not safe for that:
# a transaction checks its conditions, writes, and on a failure puts back a copy of the
# whole table taken before, so concurrent transactions race and a failed one can undo
# another's write. DynamoDB's transactions are serializable; one request at a time is
# the faithful emulation (and keeps those table copies from piling up in memory).
serial = """
import sys, threading
from moto.moto_server import werkzeug_app
lock = threading.Lock()
call = werkzeug_app.DomainDispatcherApplication.__call__
def serialized(self, environ, start_response):
    with lock:
        return call(self, environ, start_response)
werkzeug_app.DomainDispatcherApplication.__call__ = serialized
from moto.server import main
main(sys.argv[1:])
"""
p = subprocess.Popen([sys.executable, "-c", serial, "-H", "127.0.0.1", "-p", str(port)],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(300):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=1)
        break
    except Exception:
        if p.poll() is not None: sys.exit("moto_server exited")
        time.sleep(0.1)
else:
    p.terminate(); sys.exit("moto_server did not answer within 30 s")
print(port, flush=True)
sys.stdin.read()
p.terminate()
try: p.wait(5)
except Exception: p.kill()
"#;
    let mut child = Command::new(&python)
        .args(["-c", watchdog])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("moto did not start (watchdog said {line:?})"));
    Moto {
        endpoint: format!("http://127.0.0.1:{port}"),
        _child: Mutex::new(child),
    }
}

impl Moto {
    /// SDK configuration pointing at the emulator with dummy credentials.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        madoguchi::adapters::aws::config()
            .endpoint_url(&self.endpoint)
            .region(aws_config::Region::new(REGION))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "testing", "testing", None, None, "moto",
            ))
            .load()
            .await
    }
}

/// A name no other test of this run uses (tables, buckets).
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}
