//! Smart HTTP for tests: a small HTTP/1.1 server on 127.0.0.1 that passes each request to the
//! real `git http-backend` (CGI) over the bare repositories under a root. It asks for basic
//! auth as GitHub does (`x-access-token:TOKEN`) and answers 401 without it, and logs every
//! request line with its status and the authorization header it saw. One request per
//! connection (`Connection: close`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use base64::Engine as _;

pub struct GitHttp {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// `METHOD TARGET STATUS` of each request.
    pub log: Arc<Mutex<Vec<String>>>,
}

impl GitHttp {
    pub fn start(root: &Path, token: &str) -> GitHttp {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let want = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{token}"))
        );
        let (root, l) = (root.to_path_buf(), log.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (root, want, l) = (root.clone(), want.clone(), l.clone());
                std::thread::spawn(move || {
                    let _ = answer(conn, &root, &want, &l);
                });
            }
        });
        GitHttp { url, log }
    }
}

fn answer(
    conn: TcpStream,
    root: &PathBuf,
    want: &str,
    log: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut r = BufReader::new(conn.try_clone()?);
    let mut out = conn;
    let mut first = String::new();
    r.read_line(&mut first)?;
    let mut it = first.split_whitespace();
    let (method, target) = (
        it.next().unwrap_or("").to_string(),
        it.next().unwrap_or("").to_string(),
    );
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 || line.trim_end().is_empty() {
            break;
        }
        if let Some((k, v)) = line.trim_end().split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let get = |k: &str| headers.iter().find(|h| h.0 == k).map(|h| h.1.clone());
    let mut body = Vec::new();
    if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            r.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            r.read_exact(&mut chunk)?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(n) = get("content-length").and_then(|v| v.parse().ok()) {
        body = vec![0; n];
        r.read_exact(&mut body)?;
    }
    if get("authorization").as_deref() != Some(want) {
        log.lock().unwrap().push(format!("{method} {target} 401"));
        return out.write_all(
            b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\n\
              Content-Length: 0\r\nConnection: close\r\n\r\n",
        );
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut cgi = Command::new("git");
    cgi.arg("http-backend")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("REQUEST_METHOD", &method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("CONTENT_LENGTH", body.len().to_string())
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("SERVER_PROTOCOL", "HTTP/1.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (h, var) in [
        ("content-type", "CONTENT_TYPE"),
        ("content-encoding", "HTTP_CONTENT_ENCODING"),
        ("git-protocol", "GIT_PROTOCOL"),
    ] {
        if let Some(v) = get(h) {
            cgi.env(var, v);
        }
    }
    let mut child = cgi.spawn()?;
    let mut stdin = child.stdin.take().unwrap();
    let feed = std::thread::spawn(move || stdin.write_all(&body));
    let done = child.wait_with_output()?;
    let _ = feed.join();
    // CGI output: headers, a blank line, the body.
    let cut = done
        .stdout
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, i + 4))
        .or_else(|| {
            done.stdout
                .windows(2)
                .position(|w| w == b"\n\n")
                .map(|i| (i, i + 2))
        })
        .unwrap_or((0, 0));
    let mut status = "200 OK".to_string();
    let mut head = String::new();
    for line in String::from_utf8_lossy(&done.stdout[..cut.0]).lines() {
        match line.strip_prefix("Status:") {
            Some(s) => status = s.trim().to_string(),
            None if !line.trim().is_empty() => head.push_str(&format!("{}\r\n", line.trim_end())),
            None => {}
        }
    }
    let content = &done.stdout[cut.1..];
    log.lock().unwrap().push(format!(
        "{method} {target} {}",
        status.split(' ').next().unwrap_or("")
    ));
    out.write_all(
        format!(
            "HTTP/1.1 {status}\r\n{head}Content-Length: {}\r\nConnection: close\r\n\r\n",
            content.len()
        )
        .as_bytes(),
    )?;
    out.write_all(content)
}
