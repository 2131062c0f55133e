//! Who the analyst is: the OS account of the process, from its uid (never from `$USER`).

/// The login name of the process's real uid, or `uid<N>` if the account has no name.
pub fn current_analyst() -> String {
    let uid = nix::unistd::Uid::current();
    match nix::unistd::User::from_uid(uid) {
        Ok(Some(user)) => user.name,
        _ => format!("uid{uid}"),
    }
}
