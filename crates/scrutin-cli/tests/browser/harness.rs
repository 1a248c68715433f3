//! The browser tests' harness: the child processes (the `scrutin` server, the loopback SMTP
//! sink, chromedriver and the Chromium it drives), ended by a guard whatever happens; the
//! `scrutin` command line; and explicit waits for what a page shows.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};

/// How long a page may take to show what a step waits for (a loaded machine, a cold
/// Chromium); a step that passes never waits this long.
pub const WAIT: Duration = Duration::from_secs(30);

/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(40);

/// An executable on the PATH.
pub fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A port nobody listens on now (the OS's choice).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// What a run is named by: a temporary directory and a schema name of its own.
pub fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{name}_{}_{nanos}", std::process::id())
}

struct Proc {
    child: Child,
    /// Started as the leader of a process group of its own (chromedriver: Chromium's
    /// processes are in it too), ended as a group.
    group: bool,
}

/// Everything a run starts, ended on drop — also when the test fails.
pub struct Harness {
    pub dir: PathBuf,
    procs: Vec<Proc>,
    logs: Vec<(&'static str, Arc<Mutex<String>>)>,
    /// chromedriver's port and the browser session to end.
    session: Option<(u16, String)>,
    /// A PostgreSQL schema to drop: (base URL, schema).
    pub schema: Option<(String, String)>,
}

impl Harness {
    pub fn new(name: &str) -> Harness {
        let dir = std::env::temp_dir().join(format!("scrutin-browser-{}", unique(name)));
        std::fs::create_dir_all(&dir).unwrap();
        Harness {
            dir,
            procs: Vec::new(),
            logs: Vec::new(),
            session: None,
            schema: None,
        }
    }

    /// Starts `cmd`, reading its standard output (or error) into a log, and waits for the
    /// first line containing `ready`, which it returns.
    fn start(
        &mut self,
        name: &'static str,
        mut cmd: Command,
        from_stderr: bool,
        ready: &str,
        group: bool,
    ) -> String {
        if from_stderr {
            cmd.stdout(Stdio::null()).stderr(Stdio::piped());
        } else {
            cmd.stdout(Stdio::piped()).stderr(Stdio::null());
        }
        cmd.stdin(Stdio::piped());
        if group {
            cmd.process_group(0);
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        let stream: Box<dyn Read + Send> = if from_stderr {
            Box::new(child.stderr.take().unwrap())
        } else {
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>
        };
        let log = Arc::new(Mutex::new(String::new()));
        self.logs.push((name, log.clone()));
        self.procs.push(Proc { child, group });
        let (tx, rx) = mpsc::channel();
        let ready = ready.to_string();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                if let Ok(mut l) = log.lock() {
                    l.push_str(&line);
                    l.push('\n');
                }
                if line.contains(&ready) {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(line);
                    }
                }
            }
        });
        rx.recv_timeout(WAIT).unwrap_or_else(|_| {
            panic!(
                "{name} did not say it was ready within {WAIT:?}:\n{}",
                self.log(name)
            )
        })
    }

    /// What a child has written so far.
    pub fn log(&self, name: &str) -> String {
        self.logs
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, l)| l.lock().ok().map(|l| l.clone()))
            .unwrap_or_default()
    }

    /// `scrutin serve` on a port of the OS's choice; its base URL.
    pub fn serve(&mut self, database_url: &str, signing_key: &Path, records: &Path) -> String {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_scrutin"));
        cmd.arg("--database-url")
            .arg(database_url)
            .args(["serve", "--listen", "127.0.0.1:0", "--signing-key"])
            .arg(signing_key)
            .arg("--records")
            .arg(records)
            .current_dir(&self.dir);
        let line = self.start("scrutin serve", cmd, true, "serving ", false);
        // "scrutin: serving http://127.0.0.1:PORT on http://127.0.0.1:PORT (database …"
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        url.to_string()
    }

    /// The loopback SMTP server (tests/smtp_sink.py); its port and the directory of the
    /// messages it receives.
    pub fn smtp(&mut self) -> (u16, PathBuf) {
        let port = free_port();
        let mail = self.dir.join("mail");
        std::fs::create_dir_all(&mail).unwrap();
        let mut cmd = Command::new("python3");
        cmd.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_sink.py"))
            .arg(port.to_string())
            .arg(&mail);
        self.start("smtp sink", cmd, false, "READY", false);
        (port, mail)
    }

    /// chromedriver on a free port, and a headless Chromium session through it.
    pub async fn browser(&mut self, chromedriver: &Path, chromium: &Path) -> Client {
        let port = free_port();
        let mut cmd = Command::new(chromedriver);
        cmd.arg(format!("--port={port}"));
        self.start("chromedriver", cmd, false, "started successfully", true);
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "chrome".into());
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chromium,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-dev-shm-usage",
                    "--disable-gpu",
                    "--no-first-run",
                    "--no-default-browser-check",
                    "--disable-extensions",
                    "--password-store=basic",
                    "--window-size=1280,900",
                ],
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "no browser session through chromedriver: {e}\n{}",
                    self.log("chromedriver")
                )
            });
        let session = client.session_id().await.unwrap().unwrap();
        self.session = Some((port, session));
        client
    }

    /// Ends the browser session cleanly (Chromium quits).
    pub async fn close_browser(&mut self, client: Client) {
        client.close().await.unwrap();
        self.session = None;
    }
}

/// Ends a WebDriver session with a plain HTTP request (no runtime needed, as in `drop`).
fn delete_session(port: u16, session: &str) {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
        return;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(15)));
    let _ = write!(
        s,
        "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    // Read the answer (chromedriver may keep the connection open: stop at its end).
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&answer).to_ascii_lowercase();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if answer.len() >= end + 4 + length {
                break;
            }
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let failed = std::thread::panicking();
        if let Some((port, session)) = self.session.take() {
            delete_session(port, &session);
        }
        for p in self.procs.iter_mut().rev() {
            drop(p.child.stdin.take());
            if p.group {
                // The group this test made for chromedriver (Chromium's processes are in it).
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &format!("-{}", p.child.id())])
                    .stderr(Stdio::null())
                    .status();
            }
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
        if failed {
            for (name, log) in &self.logs {
                if let Ok(l) = log.lock() {
                    let tail: Vec<&str> = l.lines().rev().take(40).collect();
                    let tail: Vec<&str> = tail.into_iter().rev().collect();
                    eprintln!("--- {name} (last lines) ---\n{}", tail.join("\n"));
                }
            }
            eprintln!("the run's files are kept in {}", self.dir.display());
        }
        if let Some((base, schema)) = self.schema.take() {
            // Its own thread and runtime: this may run inside the test's runtime.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(scrutin_store::Store::drop_schema(&base, &schema))
            })
            .join();
        }
        if !failed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// The `scrutin` command line on one database, in the run's directory.
pub struct Cli {
    pub url: String,
    pub dir: PathBuf,
}

impl Cli {
    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_scrutin"));
        cmd.arg("--database-url")
            .arg(&self.url)
            .args(args)
            .current_dir(&self.dir)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        if let Some(text) = stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        }
        child.wait_with_output().unwrap()
    }

    /// Runs a command that must succeed; its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        self.ok_with(args, None)
    }

    pub fn ok_with(&self, args: &[&str], stdin: Option<&str>) -> String {
        let o = self.run(args, stdin);
        assert!(
            o.status.success(),
            "scrutin {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

pub use crate::common::mail::messages;

// ----- waiting for pages ----------------------------------------------------------------

/// The page's visible text (for failure messages).
pub async fn page_text(c: &Client) -> String {
    let url = c
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_default();
    let text = match c.find(Locator::Css("body")).await {
        Ok(b) => b.text().await.unwrap_or_default(),
        Err(e) => format!("(no body: {e})"),
    };
    format!("{url}\n{text}")
}

/// Waits for an element matching `css` whose text contains `want` (an explicit wait: it
/// returns as soon as the page shows it).
pub async fn wait_for(c: &Client, css: &str, want: &str) -> Element {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(found) = c.find_all(Locator::Css(css)).await {
            for e in found {
                if e.text().await.is_ok_and(|t| t.contains(want)) {
                    return e;
                }
            }
        }
        if Instant::now() > deadline {
            panic!(
                "no {css:?} containing {want:?} within {WAIT:?} on\n{}",
                page_text(c).await
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Waits for an element matching `css`.
pub async fn wait_el(c: &Client, css: &str) -> Element {
    wait_for(c, css, "").await
}

/// The texts of the elements matching `css`, in page order.
pub async fn texts(c: &Client, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in c.find_all(Locator::Css(css)).await.unwrap() {
        out.push(e.text().await.unwrap().trim().to_string());
    }
    out
}

/// Clicks the button whose text is `label`.
pub async fn click_button(c: &Client, label: &str) {
    let xpath = format!("//button[normalize-space()='{label}']");
    let b = c
        .find(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("no button {label:?}: {e}"));
    b.click().await.unwrap();
}

/// Chooses `value` ("" for blank) in the select `#id`.
pub async fn choose(c: &Client, id: &str, value: &str) {
    let s = c.find(Locator::Id(id)).await.unwrap();
    s.select_by_value(value).await.unwrap();
}

/// The current value of the form control `#id`.
pub async fn value_of(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// The size of a PNG image (from its header): (width, height).
pub fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&png[16..20]), be(&png[20..24]))
}

/// Sizes the window so that the page itself (the viewport, as a screenshot shows it) is
/// `width` × `height`: a phone's screen, whatever the browser's frame takes.
pub async fn set_viewport(c: &Client, width: u32, height: u32) {
    c.set_window_size(width, height).await.unwrap();
    let (w, h) = png_size(&c.screenshot().await.unwrap());
    if (w, h) != (width, height) {
        c.set_window_size(
            width + width.saturating_sub(w),
            height + height.saturating_sub(h),
        )
        .await
        .unwrap();
    }
}

/// Presses keys, one after another, on whatever has the focus (WebDriver key actions: the
/// browser sees real key presses).
pub async fn press(c: &Client, keys: &[char]) {
    let mut a = KeyActions::new("keyboard".into());
    for &k in keys {
        a = a
            .then(KeyAction::Down { value: k })
            .then(KeyAction::Up { value: k });
    }
    c.perform_actions(a).await.unwrap();
    c.release_actions().await.unwrap();
}

pub const TAB: char = '\u{e004}';
pub const ENTER: char = '\u{e007}';

/// The focused element's id, or its text when it has none.
pub async fn focused(c: &Client) -> String {
    let e = c.active_element().await.unwrap();
    match e.attr("id").await.unwrap() {
        Some(id) if !id.is_empty() => format!("#{id}"),
        _ => e.text().await.unwrap_or_default().trim().to_string(),
    }
}

/// Presses Tab until the focus is on `target` (an id as `#id`, or a button's text); at most
/// `max` presses.
pub async fn tab_to(c: &Client, target: &str, max: usize) {
    let mut seen = Vec::new();
    for _ in 0..max {
        press(c, &[TAB]).await;
        let now = focused(c).await;
        if now == target {
            return;
        }
        seen.push(now);
    }
    panic!(
        "Tab did not reach {target:?} in {max} presses (focus went to {seen:?}) on\n{}",
        page_text(c).await
    );
}
