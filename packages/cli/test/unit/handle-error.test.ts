import {describe, expect, it} from 'vitest'

import {cleanParseMessage, handleError, redact} from '../../src/cli/handle-error.js'
import {
  ApiError,
  BugError,
  ConnectionError,
  DeclinedError,
  InterruptedError,
  UsageError,
  UserError,
  WaitTimeoutError,
} from '../../src/toolkit/errors.js'

function run(
  err: unknown,
  env: NodeJS.ProcessEnv = {},
  commandId?: string,
): {code: number; lines: string[]; text: string} {
  const lines: string[] = []
  const code = handleError(err, {err: (t) => void lines.push(t), env}, commandId)
  return {code, lines, text: lines.join('\n')}
}

describe('handleError', () => {
  it('prints API errors like kubectl, exit 1', () => {
    const r = run(
      new ApiError(404, 'NotFound', 'foreignclusters.discovery.liqo.io "x" not found', 'get foreignclusters x'),
    )
    expect(r.lines).toEqual(['Error from server (NotFound): foreignclusters.discovery.liqo.io "x" not found'])
    expect(r.code).toBe(1)
  })

  it('prints the hint of an API error on its own line', () => {
    const r = run(new ApiError(403, 'Forbidden', 'nope', 'patch', 'ask for RBAC'))
    expect(r.lines).toEqual(['Error from server (Forbidden): nope', 'hint: ask for RBAC'])
  })

  it('prints UserError as "error:" plus "hint:", exit 1', () => {
    const r = run(new UserError('no cluster matches "paris"', 'known clusters: milan'))
    expect(r.lines).toEqual(['error: no cluster matches "paris"', 'hint: known clusters: milan'])
    expect(r.code).toBe(1)
  })

  it('prints no hint line when there is none', () => {
    expect(run(new UserError('plain')).lines).toEqual(['error: plain'])
  })

  it.each([
    [new UsageError('bad flags'), 2],
    [new WaitTimeoutError('timed out', ['pod/a']), 3],
    [new DeclinedError('declined'), 4],
    [new InterruptedError('interrupted'), 130],
    [new ConnectionError('cannot reach', 'https://x'), 1],
    [new BugError('oops'), 1],
  ])('maps %s to exit code %i', (err, code) => {
    const r = run(err)
    expect(r.code).toBe(code)
    expect(r.lines[0]).toBe(`error: ${err.message}`)
  })

  it('turns an oclif parse error into one clean line with a help hint, exit 2', () => {
    const e = Object.assign(new Error('Parsing --timeout \n\tinvalid\nSee more help with --help'), {oclif: {exit: 2}})
    const r = run(e, {}, 'peer:disable')
    expect(r.lines).toEqual(['error: --timeout: invalid', "hint: see 'liqo-topology peer disable --help'"])
    expect(r.code).toBe(2)
    // a plain object works the same, and without a command id the hint is generic
    const plain = run({oclif: {exit: 2}, message: 'Parsing --timeout \n\tinvalid\nSee more help with --help'})
    expect(plain.lines).toEqual(['error: --timeout: invalid', "hint: see 'liqo-topology --help'"])
  })

  it('maps oclif exit 1 parse errors to the usage exit code', () => {
    expect(run({oclif: {exit: 1}, message: 'Missing 1 required arg:\ncluster'}).code).toBe(2)
  })

  it('returns the exit code of an oclif EEXIT without printing', () => {
    const r = run({oclif: {exit: 0}, code: 'EEXIT', message: 'EEXIT: 0'})
    expect(r.code).toBe(0)
    expect(r.lines).toEqual([])
  })

  it('treats an aborted prompt as an interruption', () => {
    const e = new Error('User force closed the prompt')
    e.name = 'ExitPromptError'
    expect(run(e)).toEqual({
      code: 130,
      lines: ['error: interrupted; nothing was changed'],
      text: 'error: interrupted; nothing was changed',
    })
  })

  it('reports unknown errors as internal errors without a stack, exit 1', () => {
    const r = run(new TypeError('cannot read properties of undefined'))
    expect(r.code).toBe(1)
    expect(r.lines).toEqual([
      'error: internal error: cannot read properties of undefined',
      'hint: run again with DEBUG=1 for details, and report it if it persists',
    ])
    expect(r.text).not.toMatch(/\n\s+at /)
  })

  it('prints the stack of unknown errors (and CLI errors) only with DEBUG', () => {
    const e = new Error('boom')
    const r = run(e, {DEBUG: '1'})
    expect(r.lines[0]).toBe('error: internal error: boom')
    expect(r.text).toMatch(/\n\s+at /)
    expect(r.text).not.toContain('DEBUG=1')
    expect(run(new UserError('x'), {DEBUG: '1'}).text).toMatch(/\n\s+at /)
    expect(run(new UserError('x')).text).not.toMatch(/\s+at /)
  })

  it('copes with non-Error throwables', () => {
    expect(run('a string').lines[0]).toBe('error: internal error: a string')
    expect(run(undefined).lines[0]).toBe('error: internal error: undefined')
  })

  it('never prints a credential, whatever the error', () => {
    const pem =
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAsecretkeymaterial\nAAAA==\n-----END RSA PRIVATE KEY-----'
    const errors: unknown[] = [
      new ApiError(
        401,
        'Unauthorized',
        'token: s3cr3t-token rejected',
        'get',
        'header was Authorization: Bearer abc.def-ghi',
      ),
      new UserError(`cannot parse client key ${pem}`, 'password=hunter2'),
      new Error('request failed with Bearer abc.def-ghi'),
      {oclif: {exit: 2}, message: 'Parsing --token \n\ttoken=s3cr3t-token\nSee more help with --help'},
    ]
    for (const e of errors) {
      const {text} = run(e, {DEBUG: '1'})
      for (const secret of ['s3cr3t-token', 'abc.def', 'secretkeymaterial', 'hunter2'])
        expect(text).not.toContain(secret)
      expect(text).toContain('[redacted')
    }
  })
})

describe('redact', () => {
  it('removes bearer and basic credentials', () => {
    expect(redact('Authorization: Bearer abc.def')).toBe('Authorization: Bearer [redacted]')
    expect(redact('Basic dXNlcjpwYXNz=')).toBe('Basic [redacted]')
  })

  it('removes token, password and key data values in YAML, JSON and key=value form', () => {
    expect(redact('token: xyz')).toBe('token: [redacted]')
    expect(redact('{"token":"xyz","user":"bob"}')).toBe('{"token":"[redacted]","user":"bob"}')
    expect(redact('password=hunter2 next')).toBe('password=[redacted] next')
    expect(redact('client-key-data: LS0tLS1CRUdJTg==')).toBe('client-key-data: [redacted]')
    expect(redact('client-certificate-data: LS0tLS1=')).toBe('client-certificate-data: [redacted]')
    expect(redact('TOKEN: abc')).toBe('TOKEN: [redacted]')
  })

  it('removes PEM private keys but keeps the surrounding text', () => {
    const text = 'before\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\nafter'
    expect(redact(text)).toBe('before\n[redacted private key]\nafter')
    expect(redact('-----BEGIN EC PRIVATE KEY-----\nabc\n-----END EC PRIVATE KEY-----')).toBe('[redacted private key]')
  })

  it('leaves ordinary text alone', () => {
    const text = 'Error from server (NotFound): pods "web-1" not found; certificate is fine'
    expect(redact(text)).toBe(text)
  })
})

describe('cleanParseMessage', () => {
  it('drops oclif decorations and joins lines', () => {
    expect(
      cleanParseMessage('Error: The following error occurred:\n  Expected --output=table\nSee more help with --help'),
    ).toBe('Expected --output=table')
    expect(cleanParseMessage('Parsing --timeout \n\tinvalid duration "5x"\nSee more help with --help')).toBe(
      '--timeout: invalid duration "5x"',
    )
    expect(cleanParseMessage('one line')).toBe('one line')
  })
})
