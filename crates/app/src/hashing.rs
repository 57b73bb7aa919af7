//! Password hashing on a small fixed pool of threads. Argon2 takes ~19 MiB and tens of
//! milliseconds per hash; run on tokio's blocking threads, a burst of sign-ins spread it over
//! dozens of threads, each keeping its own malloc arena, and the process stayed at 740 MB after
//! the load. Two dedicated threads bound both the CPU and the memory it can take; callers wait
//! their turn on a bounded queue.

use std::sync::{Mutex, OnceLock};

use tokio::sync::{mpsc, oneshot};

enum Job {
    Hash(String, oneshot::Sender<String>),
    Verify(String, String, oneshot::Sender<bool>),
}

const WORKERS: usize = 2;
const QUEUE: usize = 256;

fn queue() -> &'static mpsc::Sender<Job> {
    static TX: OnceLock<mpsc::Sender<Job>> = OnceLock::new();
    TX.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>(QUEUE);
        let rx = std::sync::Arc::new(Mutex::new(rx));
        for i in 0..WORKERS {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(mut r) => r.blocking_recv(),
                        Err(_) => return,
                    };
                    match job {
                        Some(Job::Hash(p, reply)) => {
                            let _ = reply.send(domain::password::hash(&p));
                        }
                        Some(Job::Verify(p, h, reply)) => {
                            let _ = reply.send(domain::password::verify(&p, &h));
                        }
                        None => return,
                    }
                })
                .expect("a hashing thread starts");
        }
        tx
    })
}

pub async fn hash(password: String) -> String {
    let (tx, rx) = oneshot::channel();
    // The workers never stop, so the queue stays open and every job is answered.
    let _ = queue().send(Job::Hash(password, tx)).await;
    rx.await.expect("the hashing pool answers every job")
}

pub async fn verify(password: String, hash: String) -> bool {
    let (tx, rx) = oneshot::channel();
    if queue().send(Job::Verify(password, hash, tx)).await.is_err() {
        return false;
    }
    rx.await.unwrap_or(false)
}
