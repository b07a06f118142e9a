import { describe, expect, it } from "vitest";
import { mentionParts } from "../../demo/mentions";

const names = new Map([
  [91010017, "Alice"],
  [91010018, "Bob"],
]);
const nameOf = (id: number) => names.get(id);

describe("the demo shows mentions by display name", () => {
  it("the bot message's @id form", () => {
    expect(mentionParts("@91010017 has added @91010018 to this channel", nameOf)).toEqual([
      { id: 91010017, name: "Alice" },
      " has added ",
      { id: 91010018, name: "Bob" },
      " to this channel",
    ]);
  });

  it("the [Name](user://id) form: the current name, else the link's own label", () => {
    expect(mentionParts("hi [Old name](user://91010018)!", nameOf)).toEqual(["hi ", { id: 91010018, name: "Bob" }, "!"]);
    expect(mentionParts("hi [Carol](user://91010099)", nameOf)).toEqual(["hi ", { id: 91010099, name: "Carol" }]);
  });

  it("an unknown @id stays an id; addresses and plain text are left alone", () => {
    expect(mentionParts("ask @91010099", nameOf)).toEqual(["ask ", { id: 91010099, name: "91010099" }]);
    expect(mentionParts("mail me@91010017.example", nameOf)).toEqual(["mail me@91010017.example"]);
    expect(mentionParts("", nameOf)).toEqual([]);
  });

  it("an @id inside a link's label is part of the link", () => {
    expect(mentionParts("[@91010017](user://91010017) ok", nameOf)).toEqual([{ id: 91010017, name: "Alice" }, " ok"]);
  });
});
