import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CRLF, CSV_BOM, csvField, csvRecord, neutralizeFormula, quoteField, stableJson } from "@/lib/export/csv";

/**
 * A strict RFC 4180 reader, written independently of the writer: records end with CRLF, a quoted
 * field may hold anything with quotes doubled, an unquoted field may not hold `"`, `,`, CR or LF.
 * It throws on anything else, so the round-trip property also checks that the writer never
 * produces a file a strict reader refuses.
 */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let i = 0;
  while (i < text.length) {
    const record: string[] = [];
    for (;;) {
      let field = "";
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) throw new Error("unterminated quoted field");
          if (text[i] === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
            } else {
              i++;
              break;
            }
          } else {
            field += text[i++];
          }
        }
      } else {
        while (i < text.length && text[i] !== "," && text[i] !== "\r") {
          if (text[i] === '"' || text[i] === "\n") throw new Error(`bare ${JSON.stringify(text[i])} at ${i}`);
          field += text[i++];
        }
      }
      record.push(field);
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text.startsWith(CRLF, i)) {
        i += 2;
        break;
      }
      throw new Error(`expected , or CRLF at ${i}, got ${JSON.stringify(text.slice(i, i + 5))}`);
    }
    records.push(record);
  }
  return records;
}

describe("csvField", () => {
  it("writes plain text as it is", () => {
    expect(csvField("tncb0s7cdkyu")).toBe("tncb0s7cdkyu");
    expect(csvField("Zürich 東京 🚀")).toBe("Zürich 東京 🚀");
    expect(csvField("")).toBe("");
  });

  it("quotes fields with a comma, a quote, CR or LF and doubles the quotes", () => {
    expect(csvField("Smith, Jane")).toBe('"Smith, Jane"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("carriage\rreturn")).toBe('"carriage\rreturn"');
    expect(csvField('"')).toBe('""""');
  });

  it("writes absent values as empty fields", () => {
    expect(csvField(null)).toBe("");
    expect(csvField(undefined)).toBe("");
  });

  it("writes numbers and booleans plainly, never prefixed", () => {
    expect(csvField(0)).toBe("0");
    expect(csvField(100)).toBe("100");
    expect(csvField(-5)).toBe("-5");
    expect(csvField(true)).toBe("true");
    expect(csvField(false)).toBe("false");
    expect(csvField(Number.NaN)).toBe("");
  });
});

describe("formula injection", () => {
  it.each([
    ["=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"],
    ["+1+1", "'+1+1"],
    ["-5", "'-5"],
    ["-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"],
    ["@SUM(1+1)", "'@SUM(1+1)"],
    ["\t=1", "'\t=1"],
    ["\r=1", "'\r=1"],
  ])("prefixes %j with a quote", (input, expected) => {
    expect(neutralizeFormula(input)).toBe(expected);
  });

  it("leaves text that does not start with a trigger alone", () => {
    for (const text of ["a=1", " =1", "5-3", "'=1", "", "é=", "\n=1", "{\"a\":\"=1\"}"]) {
      expect(neutralizeFormula(text)).toBe(text);
    }
  });

  it("neutralizes first, then quotes", () => {
    expect(csvField('=HYPERLINK("http://evil","x")')).toBe('"\'=HYPERLINK(""http://evil"",""x"")"');
    expect(csvField("\rsecond")).toBe("\"'\rsecond\"");
    expect(csvField("-1,2")).toBe("\"'-1,2\"");
  });
});

describe("csvRecord", () => {
  it("joins fields with commas and ends with CRLF", () => {
    expect(csvRecord(["a", 1, null, true, "b,c"])).toBe('a,1,,true,"b,c"\r\n');
    expect(csvRecord([])).toBe("\r\n");
    expect(csvRecord([null])).toBe("\r\n");
  });

  it("round-trips any text through a strict RFC 4180 reader (after neutralization)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.constantFrom(",", '"', "\r\n", "\n", "\r", "=1", "-", "")), { minLength: 2, maxLength: 6 }), { minLength: 1, maxLength: 5 }),
        (rows) => {
          const text = rows.map((row) => csvRecord(row)).join("");
          expect(parseCsv(text)).toEqual(rows.map((row) => row.map(neutralizeFormula)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("quotes exactly the fields that need it", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const quoted = quoteField(text);
        if (/[",\r\n]/.test(text)) expect(quoted).toBe(`"${text.split('"').join('""')}"`);
        else expect(quoted).toBe(text);
      }),
    );
  });
});

describe("BOM", () => {
  it("is the UTF-8 byte order mark", () => {
    expect([...new TextEncoder().encode(CSV_BOM)]).toEqual([0xef, 0xbb, 0xbf]);
  });
});

describe("stableJson", () => {
  it("sorts keys, recursively, whatever order they came in", () => {
    expect(stableJson({ lms_user: "u1", cohort: "c" })).toBe('{"cohort":"c","lms_user":"u1"}');
    expect(stableJson({ b: { z: 1, a: [{ y: 2, x: 1 }] }, a: null })).toBe('{"a":null,"b":{"a":[{"x":1,"y":2}],"z":1}}');
  });

  it("keeps every key, even __proto__, and every value", () => {
    const parsed = JSON.parse('{"z":1,"__proto__":{"polluted":true},"a":"x"}');
    expect(JSON.parse(stableJson(parsed))).toEqual(parsed);
    expect(stableJson(parsed)).toBe('{"__proto__":{"polluted":true},"a":"x","z":1}');
  });

  it("is the same for the same object in any key order", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (object) => {
        const reversed = Object.fromEntries(Object.entries(object).reverse());
        expect(stableJson(reversed)).toBe(stableJson(object));
        expect(JSON.parse(stableJson(object))).toEqual(JSON.parse(JSON.stringify(object)));
      }),
    );
  });
});
