import { describe, expect, it } from 'vitest';
import { decodeGoJsonObject } from '../../src/go-json-syntax.js';

// Each message is what dockerd 20.10 printed for the same daemon.json
// (after "unable to configure the Docker daemon with file <file>: ").
const DOCKERD_SAYS: Array<[string, string]> = [
  ['{"debug": true,}\n', "invalid character '}' looking for beginning of object key string"],
  ['{"debug": }\n', "invalid character '}' looking for beginning of value"],
  ['{"debug": true\n', 'unexpected EOF'],
  ['not json\n', "invalid character 'o' in literal null (expecting 'u')"],
  ['{"debug": tru}\n', "invalid character '}' in literal true (expecting 'e')"],
  ['', 'EOF'],
  ['  \n', 'EOF'],
  ['[1]\n', 'json: cannot unmarshal array into Go value of type map[string]interface {}'],
  ['"x"\n', 'json: cannot unmarshal string into Go value of type map[string]interface {}'],
  ['12\n', 'json: cannot unmarshal number into Go value of type map[string]interface {}'],
  ['{\n  "debug": true\n  "log-level": "info"\n}\n', 'invalid character \'"\' after object key:value pair'],
  ['{"debug\n', "invalid character '\\n' in string literal"],
  ['{"de\tbug": 1}\n', "invalid character '\\t' in string literal"],
  ['{"a\\q": 1}\n', "invalid character 'q' in string escape code"],
  ['{"a\\u12x4": 1}\n', "invalid character 'x' in \\u hexadecimal character escape"],
  ['{"mtu": 1.}\n', "invalid character '}' after decimal point in numeric literal"],
  ['{"mtu": 1e}\n', "invalid character '}' in exponent of numeric literal"],
  ['{"mtu": -x}\n', "invalid character 'x' in numeric literal"],
  ['{"mtu": 01}\n', "invalid character '1' after object key:value pair"],
  ['{"debug" true}\n', "invalid character 't' after object key"],
  ['{"dns": ["a" "b"]}\n', 'invalid character \'"\' after array element'],
  ["{'debug': true}\n", "invalid character '\\'' looking for beginning of object key string"],
  ['{"debug": é}\n', "invalid character 'Ã' looking for beginning of value"],
  ['\ufeff{"debug": true}\n', "invalid character 'ï' looking for beginning of value"],
];

describe("daemon.json decoded as dockerd's Go decoder does", () => {
  it.each(DOCKERD_SAYS)('%j: %s', (source, message) => {
    expect(() => decodeGoJsonObject(source)).toThrow(new Error(message));
  });

  it('reads an object, takes null as no settings and ignores what follows the object, as dockerd starts with them', () => {
    expect(decodeGoJsonObject('{"debug": true, "dns": ["10.0.0.53"], "mtu": -1.5e+3}')).toEqual({ debug: true, dns: ['10.0.0.53'], mtu: -1500 });
    expect(decodeGoJsonObject('null\n')).toEqual({});
    expect(decodeGoJsonObject('{"debug": true} trailing words')).toEqual({ debug: true });
    expect(() => decodeGoJsonObject('12x')).toThrow("invalid character 'x' after top-level value");
  });
});
