//! A Git smart-HTTP origin on 127.0.0.1: a tiny HTTP/1.1 server whose every request is handed
//! to the real `git http-backend` as a CGI script, over the bare repositories under a root
//! directory. Like GitHub, it wants the token as basic auth (`x-access-token:TOKEN`, what
//! actions/checkout persists) and answers 401 otherwise; every request is logged.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use base64::Engine;

pub struct GitServer {
    pub url: String,
    /// `METHOD PATH?QUERY STATUS` of every request.
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl GitServer {
    pub fn start(root: &Path, token: &str) -> GitServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let root = root.to_path_buf();
        let auth = format!(
            "basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{token}"))
        );
        let log = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (root, auth, log) = (root.clone(), auth.clone(), log.clone());
                std::thread::spawn(move || {
                    if let Err(e) = serve(stream, &root, &auth, &log) {
                        eprintln!("git server: {e}");
                    }
                });
            }
        });
        GitServer { url, requests }
    }
}

fn serve(
    stream: TcpStream,
    root: &PathBuf,
    auth: &str,
    log: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut stream = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let target = parts.next().unwrap_or_default().to_string();
        let mut headers: Vec<(String, String)> = Vec::new();
        loop {
            let mut h = String::new();
            reader.read_line(&mut h)?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let header = |n: &str| {
            headers
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.as_str())
        };
        let mut body = Vec::new();
        if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
            loop {
                let mut size = String::new();
                reader.read_line(&mut size)?;
                let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                    .unwrap_or(0);
                let mut chunk = vec![0; n + 2];
                reader.read_exact(&mut chunk)?;
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
        } else if let Some(n) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
            body.resize(n, 0);
            reader.read_exact(&mut body)?;
        }
        let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
        if !header("authorization").is_some_and(|a| a.eq_ignore_ascii_case(auth)) {
            log.lock().unwrap().push(format!("{method} {target} 401"));
            stream.write_all(
                b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"GitHub\"\r\nContent-Length: 0\r\n\r\n",
            )?;
            continue;
        }
        let mut cgi = Command::new("git");
        cgi.arg("http-backend")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("GIT_PROJECT_ROOT", root)
            .env("GIT_HTTP_EXPORT_ALL", "1")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("REQUEST_METHOD", &method)
            .env("PATH_INFO", path)
            .env("QUERY_STRING", query)
            .env("CONTENT_LENGTH", body.len().to_string())
            .env("REMOTE_ADDR", "127.0.0.1")
            .env("SERVER_PROTOCOL", "HTTP/1.1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (h, var) in [
            ("content-type", "CONTENT_TYPE"),
            ("content-encoding", "HTTP_CONTENT_ENCODING"),
            ("git-protocol", "GIT_PROTOCOL"),
        ] {
            if let Some(v) = header(h) {
                cgi.env(var, v);
            }
        }
        let mut child = cgi.spawn()?;
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || stdin.write_all(&body));
        let out = child.wait_with_output()?;
        let _ = writer.join();
        let split = out
            .stdout
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|i| (i, i + 4))
            .or_else(|| {
                out.stdout
                    .windows(2)
                    .position(|w| w == b"\n\n")
                    .map(|i| (i, i + 2))
            })
            .unwrap_or((0, 0));
        let head = String::from_utf8_lossy(&out.stdout[..split.0]).into_owned();
        let content = &out.stdout[split.1..];
        let mut status = "200 OK".to_string();
        let mut resp = String::new();
        for h in head.lines() {
            if let Some(s) = h.strip_prefix("Status:") {
                status = s.trim().to_string();
            } else if !h.trim().is_empty() {
                resp.push_str(h.trim_end());
                resp.push_str("\r\n");
            }
        }
        log.lock().unwrap().push(format!(
            "{method} {target} {}",
            status.split(' ').next().unwrap_or_default()
        ));
        stream.write_all(
            format!(
                "HTTP/1.1 {status}\r\n{resp}Content-Length: {}\r\n\r\n",
                content.len()
            )
            .as_bytes(),
        )?;
        stream.write_all(content)?;
    }
}
