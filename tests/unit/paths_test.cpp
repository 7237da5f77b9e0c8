// SPDX-License-Identifier: MIT
// Path normalization and confinement.
#include "core/tasks_md_internal.hpp"

#include <doctest/doctest.h>

using flow::detail::normalize_path;

TEST_CASE("normalize_path collapses . and .. and keeps directories") {
  std::string p = "./src//models/../lib/./x.py";
  CHECK(normalize_path(p));
  CHECK(p == "src/lib/x.py");
  p = "src/models/";
  CHECK(normalize_path(p));
  CHECK(p == "src/models/");
  p = "/abs/./x";
  CHECK(normalize_path(p));
  CHECK(p == "/abs/x");
}

TEST_CASE("normalize_path refuses paths that climb out of the root") {
  for (std::string p : {"../x", "a/../../x", "..", "src/../../etc/passwd"}) {
    INFO(p);
    CHECK_FALSE(normalize_path(p));
  }
}

// A home or drive path is kept as an absolute path: resolve_paths() reads it in the
// repository when it passes through the repository's folder, and drops it otherwise.
TEST_CASE("find_paths keeps home and drive paths as absolute, rejects climbing ones") {
  std::vector<flow::PathRef> out;
  std::vector<std::string> rejected;
  flow::detail::find_paths("edit ~/x.c and c:\\Dev\\a.cs and ../../etc/passwd.txt and ok/file.py and ~/../y.c and ~bob/z.c",
                           out, rejected);
  REQUIRE(out.size() == 3);
  CHECK(out[0].path == "~/x.c");
  CHECK(out[0].absolute);
  CHECK(out[1].path == "c:/Dev/a.cs");
  CHECK(out[1].absolute);
  CHECK(out[2].path == "ok/file.py");
  CHECK_FALSE(out[2].absolute);
  CHECK(rejected == std::vector<std::string>{"../../etc/passwd.txt", "~/../y.c", "~bob/z.c"});
}

namespace {

std::vector<std::string> paths_in(std::string_view line) {
  std::vector<flow::PathRef> out;
  std::vector<std::string> rejected;
  flow::detail::find_paths(line, out, rejected);
  std::vector<std::string> got;
  for (const flow::PathRef& p : out) got.push_back(p.path);
  return got;
}

using Paths = std::vector<std::string>;

}  // namespace

// The lines below are real ones from the corpus (cut short where marked …).
TEST_CASE("find_paths: a word glued to a code span is not a folder") {
  // innocentEdosa/tm 025, T015
  CHECK(paths_in("`400` if `fileName`/`contentType` missing/blank or `sizeBytes` missing/`<= 0`; `404` if …") == Paths{});
  CHECK(paths_in("Create the folder src/models/ and `src/models/user.py`") == Paths{"src/models/", "src/models/user.py"});
}

TEST_CASE("find_paths: two names joined by a slash after 'to' or 'in' are not a folder") {
  CHECK(paths_in("Deploy backend to Railway/Render:") == Paths{});  // razaOnGit/BizChat
  CHECK(paths_in("Update event PUT/DELETE authorization to allow admins to edit/delete any event") == Paths{});
  CHECK(paths_in("Add validation attributes to item/photo models in src/api/Models/ApiModels.cs") ==
        Paths{"src/api/Models/ApiModels.cs"});
  CHECK(paths_in("wrap entire function in try/catch returning `{ entries: [] }`") == Paths{});
  CHECK(paths_in("last-admin count check** under RepeatableRead/Serializable) in `backend/Services/Teams/T.cs`") ==
        Paths{"backend/Services/Teams/T.cs"});
  // Folders are still folders: a known top folder, more segments, or a name no word has.
  CHECK(paths_in("Move existing SolidStart app to apps/web and update package.json") == Paths{"apps/web", "package.json"});
  CHECK(paths_in("Move internal/jose/crypto to internal/shared/crypto/jose") == Paths{"internal/shared/crypto/jose"});
  CHECK(paths_in("Update version numbers at __specification__/config/version") == Paths{"__specification__/config/version"});
}

TEST_CASE("find_paths: a package in a package-manager context is not a path") {
  // pablomillaquen/last_mile_demo_experiment 007, T001
  CHECK(paths_in("Add `pcrov/polyline` to `backend/composer.json` require section") == Paths{"backend/composer.json"});
  CHECK(paths_in("Run `npm install` then `npm i @scope/x` and `lodash/fp`, see package.json") == Paths{"package.json"});
  // A GitHub Action reference carries its version.
  CHECK(paths_in("Use `actions/checkout@v6` and `peter-evans/create-pull-request@v6` in `.github/workflows/ci.yml`") ==
        Paths{".github/workflows/ci.yml"});
  // Without that context a two-segment code span stays a path, and so does a dot folder.
  CHECK(paths_in("Create `src/models` and `app/llm`") == Paths{"src/models", "app/llm"});
  CHECK(paths_in("Touch `pubspec.yaml` (package list) and `.github/flutter-version`") ==
        Paths{"pubspec.yaml", ".github/flutter-version"});
}

TEST_CASE("find_paths: a design document cited for reference is not a file the task touches") {
  // Kdhalbert/spacecityeidolons-website, T035 and T039
  CHECK(paths_in("Configure availability test for backend health endpoint at `/health` — SEE MONITORING.md setup instructions") ==
        Paths{"/health"});
  CHECK(paths_in("Document monitoring dashboard and alert response procedures in `MONITORING.md`") == Paths{"MONITORING.md"});
  // j0ruge/eb-analytics 004, T004; innocentEdosa/tm 025, T007; angenor/esg_mefali_v2 047, T002, T003
  CHECK(paths_in("Create light and dark color palettes with all semantic tokens per data-model.md in src/theme/colors.ts") ==
        Paths{"src/theme/colors.ts"});
  CHECK(paths_in("Add `R2_BUCKET_NAME` to `apps/api/.env.example`, documented the same way (research.md §8)") ==
        Paths{"apps/api/.env.example"});
  CHECK(paths_in("Créer `frontend/app/types/carbon.ts` exportant les types définis dans `data-model.md` §3.1 : `Scope`") ==
        Paths{"frontend/app/types/carbon.ts"});
  CHECK(paths_in("Créer `frontend/app/lib/group.ts` exportant la constante (cf. `data-model.md` §6)") ==
        Paths{"frontend/app/lib/group.ts"});
  CHECK(paths_in("(see [data-model.md](./data-model.md) for exact field definition)") == Paths{});
  // A section sign alone cites only feature documents: this edits the project's own
  // (filidorwiese/kekkai 005, T006).
  CHECK(paths_in("Update `SPECIFICATION.md` §6.3 (line ~186): replace the notice") == Paths{"SPECIFICATION.md"});
  // A cited source file is still named: only documents are dropped.
  CHECK(paths_in("Mirror the shape per src/models/user.py") == Paths{"src/models/user.py"});
  CHECK(paths_in("Update `README.md` with project setup instructions") == Paths{"README.md"});
}

// esg_mefali_v2: `app/rapports/pdf_builder.py::build_pdf` locked that string, not the file,
// so a task editing pdf_builder.py was not seen to share it; `src/lib.rs::parse` named none.
TEST_CASE("find_paths: a test or symbol after :: is cut off the file it names") {
  CHECK(paths_in("Test `app/rapports/pdf_builder.py::build_pdf` (PNG header)") == Paths{"app/rapports/pdf_builder.py"});
  CHECK(paths_in("Run tests/test_pdf.py::TestBuild::test_header and src/lib.rs::parse") ==
        Paths{"tests/test_pdf.py", "src/lib.rs"});
  CHECK(paths_in("Use `std::vector` and `crate::store::put`") == Paths{});
  CHECK(paths_in("Register `Illuminate\\Support\\Facades::Route` in `routes/web.php`") == Paths{"routes/web.php"});
}

// Jesn/AccountBox 003 still shared `quickstart.md` between 17 of 20 tasks: `参考：quickstart.md`
// cites it (参考, reference), as "see quickstart.md" does; terra-town 001's "`DESIGN.md`
// のトークンに準拠" (per DESIGN.md's tokens) cites after the name. hiepcp/full-crm 001's
// "Remove any console.log statements" named a log file.
TEST_CASE("find_paths: documents cited in Chinese and Japanese, and console.log, are no files") {
  CHECK(paths_in("\xE5\x8F\x82\xE8\x80\x83\xEF\xBC\x9Aquickstart.md \"Step 1.1\"") == Paths{});
  CHECK(paths_in("\xE9\xAA\x8C\xE8\xAF\x81\xE8\xAF\xA6\xE8\xA7\x81 plan.md and src/a.ts") == Paths{"src/a.ts"});  // 验证详见
  CHECK(paths_in("`app/map_screen.dart` \xE3\x81\xAB\xE5\xAE\x9F\xE8\xA3\x85\xEF\xBC\x88`DESIGN.md` \xE3\x81\xAE"
                 "\xE3\x83\x88\xE3\x83\xBC\xE3\x82\xAF\xE3\x83\xB3\xE3\x81\xAB\xE6\xBA\x96\xE6\x8B\xA0\xE3\x80\x82") ==
        Paths{"app/map_screen.dart"});
  CHECK(paths_in("`docs/api.md` \xE3\x82\x92\xE5\x8F\x82\xE7\x85\xA7") == Paths{});  // を参照
  // What comes after the next punctuation is not the citing word's: the README is edited.
  CHECK(paths_in("`README.md` \xE3\x82\x92\xE6\x9B\xB4\xE6\x96\xB0\xE3\x80\x81"
                 "\xE8\xA6\x8F\xE7\xB4\x84\xE3\x81\xAB\xE5\xBE\x93\xE3\x81\x86") == Paths{"README.md"});  // を更新、規約に従う
  // Source code is edited whatever the words after it (only documents are cited).
  CHECK(paths_in("`src/theme.ts` \xE3\x82\x92\xE5\x8F\x82\xE7\x85\xA7") == Paths{"src/theme.ts"});
  // A section of any document cited in an aside, or "as §5's rules say" (どおり), is read.
  CHECK(paths_in("Add `src/cost.dart` \xEF\xBC\x88Lv.1 \xE2\x80\x94 `docs/buildings.md` \xC2\xA7" "4\xEF\xBC\x89") ==
        Paths{"src/cost.dart"});
  CHECK(paths_in("Log lines in `src/bus.ts`. (stack.md \xC2\xA7\"Observability\")") == Paths{"src/bus.ts"});
  CHECK(paths_in("`docs/terrain.md` \xC2\xA7" "5 \xE3\x81\xAE\xE3\x83\xAB\xE3\x83\xBC\xE3\x83\xAB\xE3\x81\xA9\xE3\x81\x8A\xE3\x82\x8A") == Paths{});
  CHECK(paths_in("Update `SPECIFICATION.md` \xC2\xA7" "6.3 (the limits)") == Paths{"SPECIFICATION.md"});
  CHECK(paths_in("Remove any console.log statements from src/ExcelPreview.jsx") == Paths{"src/ExcelPreview.jsx"});
  CHECK(paths_in("No `console.log` left; rotate logs/console.log") == Paths{"logs/console.log"});
  // A part of a document named in an aside (Link-Z-233/BiliRadio: `（plan.md R3）` locked
  // plan.md for nine tasks that only follow its decision R3; SamuelJennings's
  // `(`research.md` R1)`, generacy's `(validate-fingerprint-reason.md F3)`).
  CHECK(paths_in("Add seekBy in `src/player.ets` \xEF\xBC\x88plan.md R3\xEF\xBC\x89") == Paths{"src/player.ets"});
  CHECK(paths_in("Refuse entity bombs in `vocab/io.py` (`research.md` R1, T004)") == Paths{"vocab/io.py"});
  CHECK(paths_in("Route errors (`contracts/hints.md` H1-H2, after T001)") == Paths{});
  CHECK(paths_in("Follow (`spec.md` FR-004.2) in `a.py`") == Paths{"a.py"});
  // Not an aside, not a part, or not a document: edited.
  CHECK(paths_in("Record R3 in plan.md R3 section") == Paths{"plan.md"});
  CHECK(paths_in("Fix (`src/a.ts` L12)") == Paths{"src/a.ts"});
  CHECK(paths_in("Update (`plan.md` Rationale)") == Paths{"plan.md"});
}

// Jesn/AccountBox 003 (a phantom `参考：quickstart.md` every task shared: all 20 ran one at
// a time), rokusoudo-product/terra-town 001, aetos382/AsciiSharp 001.
TEST_CASE("find_paths: CJK punctuation ends a path as a space does") {
  CHECK(paths_in("\xE5\xAF\xBE\xE8\xB1\xA1\xEF\xBC\x9Aquickstart.md \"Step 1.1\"") == Paths{"quickstart.md"});  // 対象：
  CHECK(paths_in("`docs/research.md` \xE3\x81\xAB\xE8\xA8\x98\xE9\x8C\xB2\xEF\xBC\x88plan.md\xEF\xBC\x89") ==
        Paths{"docs/research.md", "plan.md"});
  CHECK(paths_in("`docs/research.md` \xE3\x81\xAB\xE8\xA8\x98\xE9\x8C\xB2\xEF\xBC\x88plan.md \xC2\xA7" "16\xEF\xBC\x89") ==
        Paths{"docs/research.md"});  // a section of it cited (`§16`): read, not touched
  CHECK(paths_in("\xE4\xBD\x9C\xE6\x88\x90\xEF\xBC\x88Source/AsciiSharp/, Test/AsciiSharp.Tests/\xEF\xBC\x89") ==
        Paths{"Source/AsciiSharp/", "Test/AsciiSharp.Tests/"});
  CHECK(paths_in("\xE3\x83\x93\xE3\x83\x83\xE3\x83\x88\xE3\x83\xBBplan.md\xE3\x80\x82") == Paths{"plan.md"});
  // A path's own non-ASCII name stays whole.
  CHECK(paths_in("Write `docs/\xE8\xA8\xAD\xE8\xA8\x88.md`") == Paths{"docs/\xE8\xA8\xAD\xE8\xA8\x88.md"});
}

// chenchiyuan/crypto_exchange_news_crawler 002 ("创建grid_trading/tests/conftest.py和pytest.ini"
// was one path, "grid_trading并注册到listing_monitor_project/settings.py" another), and
// TaeWon01/vibe_sdd 001 ("app/database.py에서": no path at all).
TEST_CASE("find_paths: a CJK word glued to a path is not part of it") {
  CHECK(paths_in("T005 配置pytest: 创建grid_trading/tests/conftest.py和pytest.ini") ==
        Paths{"grid_trading/tests/conftest.py", "pytest.ini"});
  CHECK(paths_in("创建Django app并注册到listing_monitor_project/settings.py") == Paths{"listing_monitor_project/settings.py"});
  CHECK(paths_in("완료 조건: app/database.py에서 DATABASE_URL을 읽는다") == Paths{"app/database.py"});
  CHECK(paths_in("src/qeel/core/ディレクトリと__init__.pyを作成") == Paths{"src/qeel/core/", "__init__.py"});
  // A file's own CJK name stays whole, with ASCII in it too.
  CHECK(paths_in("更新 docs/README中文.md") == Paths{"docs/README中文.md"});
  // Letters between a folder and ASCII are read as words glued to the folder; for a file
  // whose own name mixes them, that locks its whole folder, which is safe.
  CHECK(paths_in("更新 docs/设计v2.md") == Paths{"docs/", "v2.md"});
}

// shiro-jwjang/obsidrive 001 ("Given folder with .md files"), BrendanShields/spec-flow
// ("Regenerates .md from .json"): every such task shared a lock on `.md`.
TEST_CASE("find_paths: a file extension alone names a kind of file, not one") {
  CHECK(paths_in("Given folder with .md files, When scanVault(), Then returns Note list") == Paths{});
  CHECK(paths_in("Regenerates .md from .json") == Paths{});
  CHECK(paths_in("Lint every .kts files under gradle/") == Paths{"gradle/"});
  CHECK(paths_in("Create .env file with the keys, and .gitignore") == Paths{".env", ".gitignore"});
  CHECK(paths_in("Update .flow/docs/*.md") == Paths{".flow/docs/*.md"});
}

// generacy-ai/generacy 252: three [P] tasks, each on its own file, all naming the image
// they fix (`ghcr.io/…`), ran one at a time on a lock of that "file".
TEST_CASE("find_paths: an image or module on a host is not a file") {
  CHECK(paths_in("Change `ghcr.io/acme/features/tool` \xE2\x86\x92 `ghcr.io/acme/tool/tool` in `a.json`") == Paths{"a.json"});
  CHECK(paths_in("Use mcr.microsoft.com/devcontainers/typescript-node as the base") == Paths{});
  CHECK(paths_in("Import `github.com/acme/lib/log` in `cmd/main.go`") == Paths{"cmd/main.go"});
  // Not a host: a folder with a dot in it, or a file.
  CHECK(paths_in("Update `docs.v2/intro.md` and `app.module/index.ts`") == Paths{"docs.v2/intro.md", "app.module/index.ts"});
}

// renato-quintupil/unab-foodvoice 004: "sin modificar `formulario-login.tsx`", "no se toca
// `apps/web/src/components/inicio-de-rol.tsx`": files the task says it leaves alone were
// locked, and kept apart tasks that never meet.
TEST_CASE("find_paths: a file the text says is left as it is is no file the task touches") {
  CHECK(paths_in("Crear el panel, sin modificar `formulario-login.tsx` en `apps/web/src/app/login/page.tsx`") ==
        Paths{"apps/web/src/app/login/page.tsx"});
  CHECK(paths_in("Confirmar `a/page.tsx` sin cambios \xE2\x80\x94 no se toca `b/inicio.tsx`") == Paths{"a/page.tsx"});
  CHECK(paths_in("E9 es `apps/web/src/`. No se toca `services/api/` ni `packages/shared/`: ambos") == Paths{"apps/web/src/"});
  CHECK(paths_in("Edit `src/a.ts`. Do NOT touch `src/b.ts` or `src/c.ts`, then update `src/d.ts`") ==
        Paths{"src/a.ts", "src/d.ts"});
  CHECK(paths_in("Refactor src/a.py without modifying the src/b.py API") == Paths{"src/a.py"});
  CHECK(paths_in("Ajustar `x/a.ts` (N\xC3\x83O alterar `x/b.ts`)") == Paths{"x/a.ts"});
  // A negation that is not about the file: kept.
  CHECK(paths_in("Do not skip tests; modify `src/a.ts`") == Paths{"src/a.ts"});
  CHECK(paths_in("Ensure no regressions in `src/a.ts`") == Paths{"src/a.ts"});
  // The list goes on with "or", "ni", "nor" alone: past a comma or an "and" the file may be
  // the one the task edits (it was dropped, and its lock with it).
  CHECK(paths_in("Do not touch `src/d.ts`, `src/e.ts` gets the fix") == Paths{"src/e.ts"});
  CHECK(paths_in("Do not touch `src/one.ts` or `src/two.ts`, and `src/three.ts` must be created") ==
        Paths{"src/three.ts"});
  CHECK(paths_in("Do not touch src/one.ts or src/two.ts, and src/three.ts must be created") == Paths{"src/three.ts"});
  CHECK(paths_in("No tocar `src/j.ts` ni `src/k.ts`, y `src/l.ts` se crea nuevo") == Paths{"src/l.ts"});
  // A bug described, not an instruction: kept.
  CHECK(paths_in("Fix: migrations never modify `db/schema.sql`, add the missing ALTER") == Paths{"db/schema.sql"});
  CHECK(paths_in("Corregir: el guardado no modifica `src/estado.ts`") == Paths{"src/estado.ts"});
}
