//! The config file, the data and config paths, and where the queue database lives.

use serde::Deserialize;
use std::fs;
use std::path::{Path, PathBuf};

pub const APP_DIR: &str = "oin-review";
pub const DB_ENV: &str = "OIN_REVIEW_DB";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "cannot find a home folder for the data and config paths: set HOME, XDG_DATA_HOME, or pass --db"
    )]
    NoHome,
}

/// `$XDG_CONFIG_HOME/oin-review/config.toml`; every key is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The queue database (after `--db` and `$OIN_REVIEW_DB`).
    pub database: Option<PathBuf>,
    /// A Unix group sharing the queue: new database files are created 0660 for it.
    pub db_group: Option<String>,
}

impl Config {
    /// Loads the user's config file; a missing file is the default config.
    pub fn load() -> Result<Config, ConfigError> {
        match config_dir() {
            Some(dir) => Config::load_from(&dir.join("config.toml")),
            None => Ok(Config::default()),
        }
    }

    pub fn load_from(path: &Path) -> Result<Config, ConfigError> {
        let text = match fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        parse_toml(path, &text)
    }
}

/// Parses a TOML file into `T`, with errors that name the file, line and key.
pub fn parse_toml<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let message = e.message().trim().to_string();
        ConfigError::Invalid {
            path: path.to_path_buf(),
            message: match line {
                Some(l) => format!("line {l}: {message}"),
                None => message,
            },
        }
    })
}

pub fn config_dir() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|d| d.config_dir().join(APP_DIR))
}

pub fn data_dir() -> Result<PathBuf, ConfigError> {
    directories::BaseDirs::new()
        .map(|d| d.data_dir().join(APP_DIR))
        .ok_or(ConfigError::NoHome)
}

/// `--db`, else `$OIN_REVIEW_DB`, else the config's `database`, else `<data dir>/queue.db`.
pub fn resolve_db(flag: Option<&Path>, config: &Config) -> Result<PathBuf, ConfigError> {
    if let Some(p) = flag {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os(DB_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    if let Some(p) = &config.database {
        return Ok(p.clone());
    }
    Ok(data_dir()?.join("queue.db"))
}

/// Where `demo` puts its queue unless told otherwise: never the real queue.
pub fn demo_db() -> Result<PathBuf, ConfigError> {
    Ok(data_dir()?.join("demo.db"))
}
