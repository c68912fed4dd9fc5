/** Columns turnout appends to a --rejects file; ignored when that file is fixed and imported again. */
export const REJECT_COLUMNS = ['reject_line', 'reject_reason'];
