//! One virtual user's loop: a new customer registers, logs in, looks at their orders a few
//! times and sometimes logs out; now and then an earlier customer comes back and logs in.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::browser::{Browser, Shop};
use crate::record::{Event, Step};

/// How each virtual user behaves.
#[derive(Debug, Clone)]
pub(crate) struct Behaviour {
    /// Orders-page views per login.
    pub(crate) orders_per_login: u32,
    /// Pause after every request, so a run loads the shop without starving the machine.
    pub(crate) think: Duration,
    /// Unique per run, so runs never collide on usernames.
    pub(crate) run_id: String,
}

/// What one virtual user did.
#[derive(Default)]
pub(crate) struct Outcome {
    pub(crate) events: Vec<Event>,
    /// Usernames whose registration was answered 303: the shop promised they exist.
    pub(crate) acknowledged: Vec<String>,
}

/// A tiny xorshift generator: the mix of actions needs variety, not quality.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % sides
    }
}

/// Runs user `index` until `deadline`.
pub(crate) async fn run(index: usize, shop: Arc<Shop>, behaviour: Arc<Behaviour>, deadline: Instant) -> Outcome {
    let mut outcome = Outcome::default();
    let mut dice = Dice(0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let mut serial = 0u64;
    while Instant::now() < deadline {
        serial += 1;
        let username = format!("{}-{index}-{serial}", behaviour.run_id);
        let Ok(browser) = Browser::new(shop.clone()) else { break };
        let registered = browser.register(&username, &mut outcome.events).await;
        pause(&behaviour).await;
        if registered == Some(303) {
            outcome.acknowledged.push(username.clone());
            visit(&browser, &username, &behaviour, &mut dice, &mut outcome.events).await;
        }
        if !outcome.acknowledged.is_empty() && dice.roll(3) == 0 {
            let Some(returning) = pick(&outcome.acknowledged, &mut dice) else { continue };
            let Ok(browser) = Browser::new(shop.clone()) else { break };
            visit(&browser, &returning, &behaviour, &mut dice, &mut outcome.events).await;
        }
    }
    outcome
}

fn pick(usernames: &[String], dice: &mut Dice) -> Option<String> {
    let at = usize::try_from(dice.roll(usernames.len() as u64)).ok()?;
    usernames.get(at).cloned()
}

/// Logs in, views the orders page, and logs out one time in four (the rest leave their session
/// to expire, as most visitors do).
async fn visit(browser: &Browser, username: &str, behaviour: &Behaviour, dice: &mut Dice, events: &mut Vec<Event>) {
    let logged_in = browser.login(username, events).await;
    pause(behaviour).await;
    if logged_in != Some(303) {
        return;
    }
    for _ in 0..behaviour.orders_per_login {
        browser.get(Step::Orders, "/account/orders", events).await;
        pause(behaviour).await;
    }
    if dice.roll(4) == 0 {
        browser.get(Step::Logout, "/logout", events).await;
        pause(behaviour).await;
    }
}

async fn pause(behaviour: &Behaviour) {
    if !behaviour.think.is_zero() {
        tokio::time::sleep(behaviour.think).await;
    }
}
