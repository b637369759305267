'use strict'

/**
 * The process worker's two inherited descriptors, read and written in the
 * way each runtime allows (see channel.js for what travels on them):
 * - Node reads through a `net.Socket` whose reads land in buffers the
 *   channel chooses (`onread`), and writes with blocking `fs.writeSync`.
 * - Bun's `net.Socket` on a descriptor neither reads nor keeps the event loop
 *   alive: it reads through `fs.createReadStream`, whose chunks are copied
 *   into the channel's buffers. It writes as Node does.
 * - Deno reads as Node does, but its `fs` knows only the descriptors it
 *   opened itself (EBADF on any other): it writes with libc's blocking
 *   write(2), through FFI. Each write is still whole or retried, so a frame is
 *   never left half-written by a child that then dies.
 */
const fs = require('node:fs')
const net = require('node:net')
const { RUNTIME } = require('../../shared/runtime')

/**
 * Reads `fd` through the event loop (it keeps the child alive): each read
 * lands in `nextBuffer()`, then `onRead(length, buffer)` is called; `onClose()`
 * once at its end or on an error.
 */
function readDescriptor(fd, { nextBuffer, onRead, onClose }) {
  if (RUNTIME === 'bun') {
    const stream = fs.createReadStream(null, { fd, highWaterMark: 64 * 1024 })
    stream.on('data', (chunk) => {
      for (let at = 0; at < chunk.length;) {
        const buffer = nextBuffer()
        const length = chunk.copy(buffer, 0, at)
        at += length
        onRead(length, buffer)
      }
    })
    stream.on('end', onClose)
    stream.on('error', onClose)
    return
  }
  const input = new net.Socket({
    fd,
    readable: true,
    writable: false,
    onread: { buffer: nextBuffer, callback: onRead },
  })
  input.on('end', onClose)
  input.on('error', onClose)
}

/** fs.writeSync and fs.writevSync's contract: bytes written (maybe fewer than asked, after a signal). */
const { writeSync, writevSync } = RUNTIME === 'deno' ? libcWriters() : fs

/** Blocking writes through the C library, for Deno (Linux and macOS). */
function libcWriters() {
  const EINTR = 4
  const darwin = globalThis.Deno.build.os === 'darwin'
  // Where errno lives: glibc's and musl's __errno_location, macOS's __error.
  const errnoSymbol = darwin ? '__error' : '__errno_location'
  const libc = globalThis.Deno.dlopen(darwin ? 'libSystem.B.dylib' : 'libc.so.6', {
    write: { parameters: ['i32', 'buffer', 'usize'], result: 'isize' },
    [errnoSymbol]: { parameters: [], result: 'pointer' },
  })
  const write = (fd, buffer, offset, length) => {
    for (;;) {
      const written = Number(libc.symbols.write(fd, buffer.subarray(offset, offset + length), BigInt(length)))
      if (written >= 0) return written
      const errno = new globalThis.Deno.UnsafePointerView(libc.symbols[errnoSymbol]()).getInt32()
      if (errno !== EINTR) {
        const error = new Error(`write to descriptor ${fd} failed (errno ${errno})`)
        error.errno = errno
        throw error
      }
    }
  }
  return {
    writeSync: write,
    // One write per buffer: the caller writes what is left of a short one.
    writevSync: (fd, buffers) => {
      let written = 0
      for (const buffer of buffers) {
        const once = write(fd, buffer, 0, buffer.length)
        written += once
        if (once < buffer.length) break
      }
      return written
    },
  }
}

module.exports = { readDescriptor, writeSync, writevSync }
