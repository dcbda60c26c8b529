//! A throwaway redis-server for the tests and the bench: started on a free loopback port with
//! no persistence, stopped by pid when the guard drops (also when a test panics).

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running redis-server this process started.
pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
}

impl RedisServer {
    /// Starts redis-server, or returns `None` (with a loud message) when it is not installed;
    /// with `AEGIS_REQUIRE_REDIS=1` a missing redis-server is a failure instead.
    pub fn start() -> Option<RedisServer> {
        Self::start_on(free_port())
    }

    /// As [`RedisServer::start`], on `port`.
    pub fn start_on(port: u16) -> Option<RedisServer> {
        let spawned = Command::new("redis-server")
            .args(["--port", &port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if std::env::var("AEGIS_REQUIRE_REDIS").as_deref() == Ok("1") {
                    panic!("redis-server not found and AEGIS_REQUIRE_REDIS=1 (apt-get install redis-server)");
                }
                // Straight to stderr: libtest captures eprintln! of passing tests.
                let _ = std::io::stderr().write_all(
                    b"\n************************************************************\n\
                      * SKIPPED: redis-server not found: the Redis replay cache  *\n\
                      * is NOT tested. apt-get install redis-server, or set      *\n\
                      * AEGIS_REQUIRE_REDIS=1 to make this a failure.            *\n\
                      ************************************************************\n",
                );
                return None;
            }
            Err(e) => panic!("cannot start redis-server: {e}"),
        };
        let mut server = RedisServer {
            child: Some(child),
            port,
        };
        server.wait_ready();
        Some(server)
    }

    /// `redis://127.0.0.1:PORT/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Stops the server now (SIGKILL to its pid) and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("redis-server exited at start: {status}");
                }
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.stop();
        panic!(
            "redis-server did not listen on port {} within 10 s",
            self.port
        );
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A loopback port nothing listens on at the moment (the OS picks it).
pub fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}
