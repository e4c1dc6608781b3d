/**
 * Usernames and e-mail addresses are unique by their canonical form (FOSUserBundle's rule):
 * Unicode-normalised (NFKC, so look-alike compatibility forms collapse) and lower-cased.
 */
export function canonicalize(value: string): string {
  return value.normalize('NFKC').toLowerCase().trim();
}

/**
 * A username as it is stored and shown: NFKC, so a name typed with compatibility forms
 * (fullwidth "ｐａｙｐａｌ", ligatures, superscripts) is kept as the plain letters it stands for
 * and checked as such. Applied wherever a username is created or changed.
 */
export function normalizeUsername(username: string): string {
  return username.normalize('NFKC');
}

const USERNAME = /^[\p{L}\p{N}._-]{1,64}$/u;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The scripts a letter can belong to (Unicode Script property values; every one the running
 * Node knows). Common and Inherited (digits, ".", "_", "-", combining marks) are looked at apart.
 */
const SCRIPT_NAMES = `Adlam Ahom Anatolian_Hieroglyphs Arabic Armenian Avestan Balinese Bamum Bassa_Vah Batak Bengali
Bhaiksuki Bopomofo Brahmi Braille Buginese Buhid Canadian_Aboriginal Carian Caucasian_Albanian Chakma Cham Cherokee
Chorasmian Coptic Cuneiform Cypriot Cypro_Minoan Cyrillic Deseret Devanagari Dives_Akuru Dogra Duployan
Egyptian_Hieroglyphs Elbasan Elymaic Ethiopic Garay Georgian Glagolitic Gothic Grantha Greek Gujarati Gunjala_Gondi
Gurmukhi Gurung_Khema Han Hangul Hanifi_Rohingya Hanunoo Hatran Hebrew Hiragana Imperial_Aramaic Inscriptional_Pahlavi
Inscriptional_Parthian Javanese Kaithi Kannada Katakana Kawi Kayah_Li Kharoshthi Khitan_Small_Script Khmer Khojki
Khudawadi Kirat_Rai Lao Latin Lepcha Limbu Linear_A Linear_B Lisu Lycian Lydian Mahajani Makasar Malayalam Mandaic
Manichaean Marchen Masaram_Gondi Medefaidrin Meetei_Mayek Mende_Kikakui Meroitic_Cursive Meroitic_Hieroglyphs Miao Modi
Mongolian Mro Multani Myanmar Nabataean Nag_Mundari Nandinagari New_Tai_Lue Newa Nko Nushu Nyiakeng_Puachue_Hmong Ogham
Ol_Chiki Ol_Onal Old_Hungarian Old_Italic Old_North_Arabian Old_Permic Old_Persian Old_Sogdian Old_South_Arabian
Old_Turkic Old_Uyghur Oriya Osage Osmanya Pahawh_Hmong Palmyrene Pau_Cin_Hau Phags_Pa Phoenician Psalter_Pahlavi Rejang
Runic Samaritan Saurashtra Sharada Shavian Siddham SignWriting Sinhala Sogdian Sora_Sompeng Soyombo Sundanese Sunuwar
Syloti_Nagri Syriac Tagalog Tagbanwa Tai_Le Tai_Tham Tai_Viet Takri Tamil Tangsa Tangut Telugu Thaana Thai Tibetan
Tifinagh Tirhuta Todhri Toto Tulu_Tigalari Ugaritic Vai Vithkuqi Wancho Warang_Citi Yezidi Yi Zanabazar_Square`.split(
  /\s+/,
);

const SCRIPTS: ReadonlyArray<{ name: string; test: RegExp }> = SCRIPT_NAMES.flatMap((name) => {
  try {
    return [{ name, test: new RegExp(`^\\p{Script=${name}}$`, 'u') }];
  } catch {
    // A script newer than this Node's Unicode tables: its letters fall under "Unknown".
    return [];
  }
});

const NEUTRAL = /^[\p{Script=Common}\p{Script=Inherited}]$/u;

/** The scripts of a string's characters, Common and Inherited left out (UTS #39 §5.1 "resolved" set, simplified). */
export function scriptsOf(value: string): Set<string> {
  const found = new Set<string>();
  for (const char of value) {
    if (NEUTRAL.test(char)) continue;
    found.add(SCRIPTS.find((script) => script.test.test(char))?.name ?? 'Unknown');
  }
  return found;
}

/** The script sets UTS #39 allows together with Latin at "highly restrictive" (CJK writing systems). */
const CJK_SETS: ReadonlyArray<ReadonlySet<string>> = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
];

/**
 * UTS #39 §5.2 restriction level "moderately restrictive": one script; or Latin with Han,
 * Hiragana and Katakana (Japanese), with Han and Bopomofo (Chinese), with Han and Hangul
 * (Korean); or Latin with one other script except Cyrillic and Greek, whose letters are the
 * classic look-alikes of Latin ones ("pаypal" with a Cyrillic а). Returns why a mix is refused.
 */
export function mixedScriptProblem(value: string): string | null {
  const scripts = scriptsOf(value);
  if (scripts.size <= 1) return null;
  if (CJK_SETS.some((allowed) => [...scripts].every((script) => allowed.has(script)))) return null;
  if (scripts.size === 2 && scripts.has('Latin') && !scripts.has('Cyrillic') && !scripts.has('Greek')) return null;
  const names = [...scripts].map((name) => name.replace(/_/g, ' ')).sort();
  return `username mixes letters of different scripts (${names.join(', ')}), which can imitate another name: use one script`;
}

export function usernameProblem(username: string): string | null {
  const normalized = normalizeUsername(username);
  if (!USERNAME.test(normalized)) return 'username must be 1–64 letters, digits, ".", "_" or "-"';
  return mixedScriptProblem(normalized);
}

export function emailProblem(email: string): string | null {
  return email.length <= 254 && EMAIL.test(email) ? null : 'e-mail address is not valid';
}

/** The longest display name (OIDC `name`), in characters: a name, not a biography. */
export const DISPLAY_NAME_MAX_LENGTH = 100;

/**
 * A display name as it is stored: NFC and trimmed; '' means none (null). Not a login and never
 * unique, so any script goes; what is refused is what could break a page, a log line or a claim
 * reader's display: control characters, line and paragraph separators, bidirectional overrides.
 */
export function normalizeDisplayName(name: string): string | null {
  const trimmed = name.normalize('NFC').trim();
  return trimmed === '' ? null : trimmed;
}

export function displayNameProblem(name: string): string | null {
  const normalized = normalizeDisplayName(name) ?? '';
  if ([...normalized].length > DISPLAY_NAME_MAX_LENGTH)
    return `name must be at most ${DISPLAY_NAME_MAX_LENGTH} characters`;
  if (/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u.test(normalized))
    return 'name must not contain control characters, line breaks or text-direction overrides';
  return null;
}
