// Container logs kept as the CRI runtimes keep them (one record per line: time, stream, P|F tag,
// text), so that the kubelet log options (tailLines, sinceTime, timestamps, stream) can be honoured.
import { EventEmitter } from 'node:events';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export type LogStream = 'stdout' | 'stderr';

export interface LogRecord {
  time: string;
  stream: LogStream;
  /** A partial record continues in the next one; a full one ends a line. */
  partial: boolean;
  text: string;
}

// containerd splits longer lines the same way.
const MAX_RECORD = 16 * 1024;

/** One container instance's log file; readers can follow it until the container ends. */
export class ContainerLog {
  readonly events = new EventEmitter();
  private fd: number | undefined;
  private readonly pending: Record<LogStream, string> = { stdout: '', stderr: '' };
  private ended = false;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
    this.events.setMaxListeners(0);
  }

  get done(): boolean {
    return this.ended;
  }

  write(stream: LogStream, chunk: string): void {
    let text = this.pending[stream] + chunk;
    let newline: number;
    while ((newline = text.indexOf('\n')) !== -1) {
      this.append({ time: now(), stream, partial: false, text: text.slice(0, newline) });
      text = text.slice(newline + 1);
    }
    while (text.length > MAX_RECORD) {
      this.append({ time: now(), stream, partial: true, text: text.slice(0, MAX_RECORD) });
      text = text.slice(MAX_RECORD);
    }
    this.pending[stream] = text;
  }

  /** The container exited: flush unterminated output (as a partial record) and wake followers. */
  end(): void {
    if (this.ended) return;
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.pending[stream])
        this.append({ time: now(), stream, partial: true, text: this.pending[stream] });
      this.pending[stream] = '';
    }
    this.ended = true;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.events.emit('end');
  }

  /** Records written so far. Reading is synchronous so a follower can subscribe with no gap. */
  records(): LogRecord[] {
    return parseRecords(readFileSync(this.path, 'utf8'));
  }

  private append(record: LogRecord): void {
    // Synchronous, so that the file and the 'record' events never disagree about what exists.
    if (this.fd !== undefined) {
      writeSync(this.fd, `${record.time} ${record.stream} ${record.partial ? 'P' : 'F'} ${record.text}\n`);
    }
    this.events.emit('record', record);
  }
}

function now(): string {
  return new Date().toISOString();
}

export function parseRecords(content: string): LogRecord[] {
  const records: LogRecord[] = [];
  for (const line of content.split('\n')) {
    const match = /^(\S+) (stdout|stderr) ([PF]) (.*)$/s.exec(line);
    if (match) {
      records.push({
        time: match[1]!,
        stream: match[2] as LogStream,
        partial: match[3] === 'P',
        text: match[4]!,
      });
    }
  }
  return records;
}

/** The kubelet's /containerLogs query options. */
export interface LogOptions {
  follow: boolean;
  timestamps: boolean;
  tailLines?: number;
  limitBytes?: number;
  sinceTime?: Date;
  stream: 'All' | 'Stdout' | 'Stderr';
}

export function parseLogOptions(query: URLSearchParams): LogOptions {
  const int = (name: string) => {
    const value = query.get(name);
    if (value === null || value === '') return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`invalid ${name}: ${value}`);
    return n;
  };
  const sinceSeconds = int('sinceSeconds');
  const sinceTimeText = query.get('sinceTime');
  const stream = query.get('stream') ?? 'All';
  if (stream !== 'All' && stream !== 'Stdout' && stream !== 'Stderr')
    throw new Error(`invalid stream: ${stream}`);
  return {
    follow: query.get('follow') === 'true',
    timestamps: query.get('timestamps') === 'true',
    tailLines: int('tailLines'),
    limitBytes: int('limitBytes'),
    sinceTime: sinceTimeText
      ? new Date(sinceTimeText)
      : sinceSeconds !== undefined
        ? new Date(Date.now() - sinceSeconds * 1000)
        : undefined,
    stream,
  };
}

export function wanted(record: LogRecord, options: LogOptions): boolean {
  if (options.stream === 'Stdout' && record.stream !== 'stdout') return false;
  if (options.stream === 'Stderr' && record.stream !== 'stderr') return false;
  return options.sinceTime === undefined || new Date(record.time) >= options.sinceTime;
}

/** The last `lines` lines, where a line is a run of partial records closed by a full one. */
export function tail(records: LogRecord[], lines: number | undefined): LogRecord[] {
  if (lines === undefined) return records;
  let seen = 0;
  for (let i = records.length - 1; i >= 0; i--) {
    // A trailing partial record counts as a line of its own.
    if (!records[i]!.partial || i === records.length - 1) {
      if (seen === lines) return records.slice(i + 1);
      seen++;
    }
  }
  return records;
}

export function formatRecord(record: LogRecord, options: LogOptions): string {
  return `${options.timestamps ? `${record.time} ` : ''}${record.text}${record.partial ? '' : '\n'}`;
}
