// The meeting page of a live meeting: no live view of its own, only the vote banner (vote-banner.js),
// so that a member looking at the page when a vote opens is told and can vote from here.
import { startVoteBanner } from "./vote-banner.js";

startVoteBanner(document.querySelector("[data-vote-banner]"));
