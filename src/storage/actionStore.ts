/** An action row (CHANNEL_SCHEMA `actions`). */
export type ActionRow = {
  id: number;
  action_name: string;
  action_desc: string | null;
  action_type: number;
  action_status: number;
  due_on: number | null;
  created_by: number;
  created_on: number;
  updated_on: number | null;
  updated_by: number | null;
};

export interface NewAction {
  action_name: string;
  action_desc: string | null;
  action_type: number;
  due_on: number | null;
  created_by: number;
  created_on: number;
}

export class ActionStore {
  constructor(private readonly sql: SqlStorage) {}

  insert(a: NewAction): ActionRow {
    return this.sql
      .exec<ActionRow>(
        `INSERT INTO actions (action_name, action_desc, action_type, due_on, created_by, created_on)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
        a.action_name,
        a.action_desc,
        a.action_type,
        a.due_on,
        a.created_by,
        a.created_on,
      )
      .one();
  }
}
