import { describe, expect, it } from "vitest";
import { challengeName, titled, trackLabel, trackName } from "@/lib/catalogue/names";

describe("track and challenge names", () => {
  it("a title first, the slug (else id) beside it; without a title, the display of before titles", () => {
    expect(trackName({ id: "z6nuu2yay77m", slug: "getting-started", title: "Getting Started" })).toEqual({ primary: "Getting Started", secondary: "getting-started" });
    expect(trackName({ id: "z6nuu2yay77m", slug: null, title: "Getting Started" })).toEqual({ primary: "Getting Started", secondary: "z6nuu2yay77m" });
    expect(trackName({ id: "z6nuu2yay77m", slug: "getting-started", title: null })).toEqual({ primary: "getting-started", secondary: "z6nuu2yay77m" });
    expect(trackName({ id: "z6nuu2yay77m", slug: null, title: null })).toEqual({ primary: "z6nuu2yay77m", secondary: null });
    expect(trackLabel({ id: "z6", slug: "gs", title: "Getting Started" })).toBe("Getting Started (gs)");
    expect(trackLabel({ id: "z6", slug: "gs", title: null })).toBe("gs");
    expect(titled(null, "gs")).toBe("gs");
    expect(titled("", "gs")).toBe("gs");
  });

  it("challenges: '#3 title' over the id; '#3 id' without a title; '#3' when neither is known", () => {
    expect(challengeName({ number: 3, id: "zbzrj97u5ixb", title: "Install" })).toEqual({ primary: "#3 Install", secondary: "zbzrj97u5ixb" });
    expect(challengeName({ number: 3, id: "zbzrj97u5ixb", title: null })).toEqual({ primary: "#3 zbzrj97u5ixb", secondary: null });
    expect(challengeName({ number: 3, id: null, title: null })).toEqual({ primary: "#3", secondary: null });
    expect(challengeName({ number: null, id: null, title: null })).toEqual({ primary: "—", secondary: null });
  });
});
