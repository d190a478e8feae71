//! The words search must know beyond jieba's general dictionary: the ERP
//! terms of the seed (a K/3-style ERP's seven modules, its documents and
//! approval steps, `erp_words.txt`), the spellings clerks type for them,
//! and filler words (`stop_words.txt`).

/// ERP terms segmented as one word (and, in search mode, their parts).
const ERP_WORDS: &str = include_str!("erp_words.txt");
const STOP_WORD_LIST: &str = include_str!("stop_words.txt");

/// The words of a word-list file: whitespace-separated, `#` comment lines.
fn words(list: &'static str) -> impl Iterator<Item = &'static str> {
    list.lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .flat_map(str::split_whitespace)
}

/// ERP terms segmented as one word (and, in search mode, their parts).
pub fn vocabulary() -> impl Iterator<Item = &'static str> {
    words(ERP_WORDS)
}

/// Words that say nothing about the topic, in Chinese and English.
pub fn stop_words() -> impl Iterator<Item = &'static str> {
    words(STOP_WORD_LIST)
}

pub const VARIANTS: &[(&str, &str)] = &[
    ("月底", "月末"),
    ("月终", "月末"),
    ("年底", "年末"),
    ("审批", "审核"),
    ("批准", "审核"),
    ("单子", "单据"),
    ("删掉", "删除"),
    ("登陆", "登录"),
    ("登入", "登录"),
    ("帐号", "账号"),
    ("账户", "账号"),
    ("料号", "物料代码"),
    ("料品", "物料"),
    ("存货", "物料"),
    ("打不开", "打开"),
    ("保存不了", "保存"),
    ("导出", "引出"),
    ("导入", "引入"),
    ("加密狗", "加密锁"),
    ("软加密", "加密锁"),
    ("注册码", "远程注册"),
    ("付款期", "付款条件"),
    ("账期", "付款条件"),
    ("额度", "信用额度"),
];
