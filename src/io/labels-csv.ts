/**
 * A streaming CSV record splitter for `--labels FILE.csv --label-column NAME` (RFC 4180: fields
 * separated by commas, records by LF or CRLF, a field in double quotes may hold commas, line breaks
 * and "" for a quote). Written here rather than taken from npm: csv-parse (adaltas) fits but brings a
 * whole option surface for one column of one file; this is the RFC's grammar and nothing else.
 * Memory: one record at a time.
 */
import { InputError } from "../errors.js";

/** One field of a record: its text, and whether it was quoted ("" quoted is an empty string, not a null). */
export interface CsvField {
  text: string;
  quoted: boolean;
}

export class CsvSplitter {
  private field = "";
  private quoted = false;
  private inQuotes = false;
  /** The previous character closed a quoted field or was a quote inside one ("" pending). */
  private quoteSeen = false;
  private record: CsvField[] = [];
  private pendingCr = false;
  private started = false;
  /** 1-based line of the record being read, for errors. */
  line = 1;
  private recordLine = 1;

  constructor(private readonly file: string) {}

  /** Feeds text; calls `emit` with each complete record and the line it started on. */
  push(text: string, emit: (record: CsvField[], line: number) => void): void {
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (this.pendingCr) {
        this.pendingCr = false;
        if (c === "\n") continue;
      }
      if (this.inQuotes) {
        if (this.quoteSeen) {
          this.quoteSeen = false;
          if (c === '"') {
            this.field += '"';
            continue;
          }
          this.inQuotes = false; // the quote closed the field; c is read below
        } else if (c === '"') {
          this.quoteSeen = true;
          continue;
        } else {
          if (c === "\n") this.line++;
          this.field += c;
          continue;
        }
      }
      if (c === ",") {
        this.endField();
      } else if (c === "\n" || c === "\r") {
        if (c === "\r") this.pendingCr = true;
        this.endRecord(emit);
        this.line++;
      } else if (c === '"' && this.field === "" && !this.quoted) {
        this.started = true;
        this.quoted = true;
        this.inQuotes = true;
      } else {
        if (this.quoted) {
          throw new InputError(
            `a character follows the closing quote of a field on line ${this.line}`,
            { file: this.file },
            'quote the whole field and write a quote inside it as ""',
          );
        }
        this.started = true;
        this.field += c;
      }
    }
  }

  /** The last record when the file does not end with a line break. */
  end(emit: (record: CsvField[], line: number) => void): void {
    if (this.inQuotes && !this.quoteSeen) {
      throw new InputError(
        `a quoted field opened on line ${this.recordLine} is never closed`,
        { file: this.file },
        "close the quote",
      );
    }
    this.inQuotes = false;
    this.quoteSeen = false;
    if (this.started || this.record.length > 0) this.endRecord(emit);
  }

  private endField(): void {
    this.record.push({ text: this.field, quoted: this.quoted });
    this.field = "";
    this.quoted = false;
    this.started = true;
  }

  private endRecord(emit: (record: CsvField[], line: number) => void): void {
    if (!this.started && this.record.length === 0) {
      // an empty line: a record of one empty field (one null label)
      emit([{ text: "", quoted: false }], this.line);
    } else {
      this.endField();
      emit(this.record, this.recordLine);
    }
    this.record = [];
    this.started = false;
    this.recordLine = this.line + 1;
  }
}
