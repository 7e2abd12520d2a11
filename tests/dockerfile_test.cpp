#include "v15check/dockerfile.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace v15::dockerfile {
namespace {

// Diagnostics of one severity, as "line: message" strings for readable failures.
std::vector<std::string> messages(const Dockerfile& df, Severity severity = Severity::error) {
  std::vector<std::string> out;
  for (const Diagnostic& d : df.diagnostics) {
    if (d.severity == severity) out.push_back(std::to_string(d.line) + ": " + d.message);
  }
  return out;
}

const Instruction& only(const Dockerfile& df, std::string_view keyword) {
  const Instruction* found = nullptr;
  for (const Instruction& ins : df.instructions) {
    if (ins.keyword == keyword) {
      EXPECT_EQ(found, nullptr) << "more than one " << keyword;
      found = &ins;
    }
  }
  if (found == nullptr) {
    ADD_FAILURE() << "no " << keyword;
    static const Instruction empty;
    return empty;
  }
  return *found;
}

// ------------------------------------------------------------------------------ instructions

TEST(Dockerfile, KeywordsAreCaseInsensitiveAndUpperCased) {
  const Dockerfile df = parse("from alpine\nRuN echo hi\ncopy a /b\n");
  ASSERT_EQ(df.instructions.size(), 3u);
  EXPECT_EQ(df.instructions[0].keyword, "FROM");
  EXPECT_EQ(df.instructions[1].keyword, "RUN");
  EXPECT_EQ(df.instructions[1].arguments, "echo hi");
  EXPECT_EQ(df.instructions[2].keyword, "COPY");
  EXPECT_TRUE(df.diagnostics.empty());
}

TEST(Dockerfile, InstructionsKeepTheirOneBasedLines) {
  const Dockerfile df = parse("\n# comment\nFROM alpine\n\n  RUN true\n");
  ASSERT_EQ(df.instructions.size(), 2u);
  EXPECT_EQ(df.instructions[0].line, 3);
  EXPECT_EQ(df.instructions[0].end_line, 3);
  EXPECT_EQ(df.instructions[1].line, 5);
  EXPECT_EQ(df.instructions[1].arguments, "true");
}

TEST(Dockerfile, CommentsOnlyAtLineStartNotInsideArguments) {
  const Dockerfile df = parse("FROM alpine\n    # indented comment\nRUN echo a # not a comment\n");
  ASSERT_EQ(df.instructions.size(), 2u);
  EXPECT_EQ(df.instructions[1].arguments, "echo a # not a comment");
}

TEST(Dockerfile, UnknownInstructionIsDiagnosedButKept) {
  const Dockerfile df = parse("FROM alpine\nFOO bar\n");
  ASSERT_EQ(df.instructions.size(), 2u);
  EXPECT_EQ(df.instructions[1].keyword, "FOO");
  EXPECT_EQ(messages(df), std::vector<std::string>{"2: unknown instruction FOO"});
}

TEST(Dockerfile, StagesAreCountedByFrom) {
  const Dockerfile df =
      parse("ARG BASE=alpine\nFROM $BASE AS a\nRUN a\nFROM alpine\nCOPY --from=a /x /x\n");
  ASSERT_EQ(df.instructions.size(), 5u);
  EXPECT_EQ(df.instructions[0].stage, -1);
  EXPECT_EQ(df.instructions[1].stage, 0);
  EXPECT_EQ(df.instructions[2].stage, 0);
  EXPECT_EQ(df.instructions[3].stage, 1);
  EXPECT_EQ(df.instructions[4].stage, 1);
}

TEST(Dockerfile, FinalLineWithoutNewlineIsAnInstruction) {
  const Dockerfile df = parse("FROM alpine\nCMD [\"sh\"]");
  ASSERT_EQ(df.instructions.size(), 2u);
  EXPECT_EQ(df.instructions[1].line, 2);
  EXPECT_TRUE(df.instructions[1].exec_form);
  EXPECT_TRUE(df.diagnostics.empty());
}

// -------------------------------------------------------------------------------- directives

TEST(Dockerfile, ParserDirectivesAtTheTopAreRecorded) {
  const Dockerfile df =
      parse("# syntax=docker/dockerfile:1\n#Escape = `\n# check=skip=all\nFROM a\n");
  ASSERT_EQ(df.directives.size(), 3u);
  EXPECT_EQ(df.directives[0],
            (std::pair<std::string, std::string>{"syntax", "docker/dockerfile:1"}));
  EXPECT_EQ(df.directives[1], (std::pair<std::string, std::string>{"escape", "`"}));
  EXPECT_EQ(df.directives[2], (std::pair<std::string, std::string>{"check", "skip=all"}));
  EXPECT_EQ(df.escape, '`');
  EXPECT_TRUE(df.diagnostics.empty());
}

TEST(Dockerfile, DirectivesAfterACommentBlankLineOrInstructionAreComments) {
  EXPECT_TRUE(parse("# hello\n# escape=`\nFROM a\n").directives.empty());
  EXPECT_TRUE(parse("\n# escape=`\nFROM a\n").directives.empty());
  EXPECT_TRUE(parse("FROM a\n# escape=`\n").directives.empty());
  const Dockerfile unknown = parse("# unknown=x\n# escape=`\nFROM a\n");
  EXPECT_TRUE(unknown.directives.empty());
  EXPECT_EQ(unknown.escape, '\\');
}

TEST(Dockerfile, InvalidOrRepeatedEscapeDirectiveIsDiagnosed) {
  const Dockerfile invalid = parse("# escape=x\nFROM a\n");
  EXPECT_EQ(invalid.escape, '\\');
  ASSERT_EQ(messages(invalid).size(), 1u);
  EXPECT_EQ(invalid.diagnostics[0].line, 1);

  const Dockerfile twice = parse("# escape=`\n# escape=\\\nFROM a\n");
  EXPECT_EQ(twice.escape, '`');
  ASSERT_EQ(messages(twice).size(), 1u);
  EXPECT_EQ(twice.diagnostics[0].line, 2);
}

TEST(Dockerfile, BacktickEscapeDirectiveMakesBacktickTheContinuation) {
  const Dockerfile df = parse(
      "# escape=`\n"
      "FROM mcr.microsoft.com/windows/servercore\n"
      "RUN dir C:\\ `\n"
      "    && echo done\n"
      "COPY C:\\src\\a.txt C:\\dest\\\n");
  ASSERT_EQ(df.instructions.size(), 3u);
  const Instruction& run = df.instructions[1];
  EXPECT_EQ(run.arguments, "dir C:\\     && echo done");
  EXPECT_EQ(run.line, 3);
  EXPECT_EQ(run.end_line, 4);
  // a backslash at the end of a line is no continuation under the backtick escape
  EXPECT_EQ(df.instructions[2].arguments, "C:\\src\\a.txt C:\\dest\\");
  const std::vector<Copy> copies = df.copies();
  ASSERT_EQ(copies.size(), 1u);
  EXPECT_EQ(copies[0].sources, std::vector<std::string>{"C:\\src\\a.txt"});
  EXPECT_EQ(copies[0].destination, "C:\\dest\\");
}

// ----------------------------------------------------------------------------- continuations

TEST(Dockerfile, ContinuationLinesAreJoinedWithoutTheEscape) {
  const Dockerfile df = parse("FROM a\nRUN apt-get update && \\\n    apt-get install -y curl\n");
  const Instruction& run = only(df, "RUN");
  EXPECT_EQ(run.arguments, "apt-get update &&     apt-get install -y curl");
  EXPECT_EQ(run.line, 2);
  EXPECT_EQ(run.end_line, 3);
  EXPECT_EQ(run.line_at(0), 2);
  EXPECT_EQ(run.line_at(run.arguments.find("install")), 3);
}

TEST(Dockerfile, BlanksAfterTheEscapeStillContinueTheLine) {
  const Dockerfile df = parse("FROM a\nRUN echo a \\  \t\n  b\n");
  EXPECT_EQ(only(df, "RUN").arguments, "echo a   b");
}

TEST(Dockerfile, CommentAndBlankLinesInsideAContinuationAreDropped) {
  const Dockerfile df = parse(
      "FROM a\n"
      "RUN apt-get update && \\\n"
      "# comment inside\n"
      "    apt-get install -y \\\n"
      "\n"
      "      curl \\\n"
      "    # indented comment\n"
      "      git\n"
      "CMD x\n");
  ASSERT_EQ(df.instructions.size(), 3u);
  const Instruction& run = df.instructions[1];
  EXPECT_EQ(run.arguments, "apt-get update &&     apt-get install -y       curl       git");
  EXPECT_EQ(run.line, 2);
  EXPECT_EQ(run.end_line, 8);
  EXPECT_EQ(run.line_at(run.arguments.find("curl")), 6);
  EXPECT_EQ(run.line_at(run.arguments.find("git")), 8);
  EXPECT_EQ(df.instructions[2].line, 9);
  EXPECT_TRUE(messages(df).empty());
  // the blank line is accepted (as Docker does) but flagged
  EXPECT_EQ(messages(df, Severity::warning).size(), 1u);
  EXPECT_EQ(df.diagnostics[0].line, 5);
}

TEST(Dockerfile, DanglingContinuationAtEndOfFileIsDiagnosedAndKept) {
  const Dockerfile df = parse("FROM a\nRUN echo a \\\n");
  const Instruction& run = only(df, "RUN");
  EXPECT_EQ(run.arguments, "echo a");
  EXPECT_EQ(messages(df), std::vector<std::string>{"2: line continuation at the end of the file"});

  const Dockerfile commented = parse("FROM a\nRUN echo a \\\n  b \\\n# trailing comment\n\n");
  EXPECT_EQ(messages(commented),
            std::vector<std::string>{"3: line continuation at the end of the file"});
}

TEST(Dockerfile, LoneEscapeCharacterLinesDoNotMakeEmptyInstructions) {
  const Dockerfile df = parse("FROM a\n\\\n");
  EXPECT_EQ(df.instructions.size(), 1u);
  EXPECT_EQ(messages(df).size(), 1u);
}

// ----------------------------------------------------------------------- line ends, BOM, junk

TEST(Dockerfile, CrlfFilesAreReadLikeLfFiles) {
  const Dockerfile df = parse(
      "FROM alpine\r\n"
      "RUN echo a \\\r\n"
      "  b\r\n"
      "RUN cat > /etc/motd <<EOF\r\n"
      "hello\r\n"
      "EOF\r\n"
      "CMD [\"sh\"]\r\n");
  ASSERT_EQ(df.instructions.size(), 4u);
  EXPECT_EQ(df.instructions[1].arguments, "echo a   b");
  const Instruction& cat = df.instructions[2];
  ASSERT_EQ(cat.heredocs.size(), 1u);
  EXPECT_EQ(cat.heredocs[0].body, "hello\n");
  EXPECT_TRUE(cat.heredocs[0].terminated);
  EXPECT_EQ(cat.heredocs[0].target, "/etc/motd");
  EXPECT_EQ(df.instructions[3].exec_args, std::vector<std::string>{"sh"});
  EXPECT_TRUE(df.diagnostics.empty());
}

TEST(Dockerfile, Utf8ByteOrderMarkIsIgnored) {
  const Dockerfile df = parse("\xEF\xBB\xBF# escape=`\nFROM alpine\n");
  EXPECT_EQ(df.escape, '`');
  ASSERT_EQ(df.instructions.size(), 1u);
  EXPECT_EQ(df.instructions[0].keyword, "FROM");
  EXPECT_EQ(df.instructions[0].line, 2);
}

TEST(Dockerfile, EmptyFileIsDiagnosed) {
  const Dockerfile empty = parse("");
  EXPECT_TRUE(empty.instructions.empty());
  EXPECT_EQ(messages(empty),
            std::vector<std::string>{"1: the Dockerfile contains no instructions"});
  EXPECT_TRUE(empty.has_errors());

  const Dockerfile comments = parse("# only a comment\n\n   \n");
  EXPECT_EQ(messages(comments).size(), 1u);
}

TEST(Dockerfile, BinaryGarbageNeverCrashes) {
  std::uint32_t state = 12345;
  auto next = [&] {
    state = state * 1664525u + 1013904223u;
    return static_cast<char>(state >> 24);
  };
  const std::string alphabet = "RUN COPY <<EOF <<-'X' \"\\`$(( )) \n\r\t#=[]{},>|&;-";
  for (int round = 0; round < 300; ++round) {
    std::string text;
    const int size = round * 7 % 600;
    for (int k = 0; k < size; ++k) {
      const char c = next();
      text.push_back(round % 2 ? c : alphabet[static_cast<unsigned char>(c) % alphabet.size()]);
    }
    const Dockerfile df = parse(text);
    for (const Instruction& ins : df.instructions) {
      EXPECT_GE(ins.end_line, ins.line);
    }
    (void)df.copies();
    (void)df.env();
    (void)df.args();
    (void)df.written_files();
  }
  using namespace std::string_literals;
  const std::string nul_bytes = "FROM a\0\nRUN \0<<\0\n\0\n"s;
  EXPECT_NO_FATAL_FAILURE((void)parse(nul_bytes));
  EXPECT_NO_FATAL_FAILURE((void)parse("\xff\xfe\x00\x01<<<<<<<<<<\\\\\\\\"));
  EXPECT_NO_FATAL_FAILURE((void)parse(std::string(10000, '\\')));
  EXPECT_NO_FATAL_FAILURE((void)parse("RUN " + std::string(5000, '(') + "<<EOF"));
  EXPECT_NO_FATAL_FAILURE((void)parse("RUN $" + std::string(5000, '{')));
  EXPECT_NO_FATAL_FAILURE((void)parse(std::string(3000, '\n') + "RUN <<A\n"));
}

// ------------------------------------------------------------------------------- exec form

TEST(Dockerfile, ExecFormDecodesJsonStringsWithEscapes) {
  const Dockerfile df = parse(
      "FROM a\n"
      "ENTRYPOINT [ \"/bin/sh\", \"-c\", \"echo \\\"hi\\\" \\\\ \\u00e9 \\ud83d\\ude00\\n\" ]\n");
  const Instruction& ep = only(df, "ENTRYPOINT");
  ASSERT_TRUE(ep.exec_form);
  EXPECT_EQ(ep.exec_args, (std::vector<std::string>{"/bin/sh", "-c",
                                                    "echo \"hi\" \\ \xC3\xA9 \xF0\x9F\x98\x80\n"}));
  EXPECT_TRUE(df.diagnostics.empty());
}

TEST(Dockerfile, ExecFormSpansContinuationLines) {
  const Dockerfile df = parse("FROM a\nCMD [\"node\", \\\n     \"agent.js\"]\n");
  const Instruction& cmd = only(df, "CMD");
  EXPECT_TRUE(cmd.exec_form);
  EXPECT_EQ(cmd.exec_args, (std::vector<std::string>{"node", "agent.js"}));
  EXPECT_EQ(cmd.end_line, 3);
}

TEST(Dockerfile, EmptyJsonArrayIsExecForm) {
  const Dockerfile df = parse("FROM a\nCMD []\n");
  const Instruction& cmd = only(df, "CMD");
  EXPECT_TRUE(cmd.exec_form);
  EXPECT_TRUE(cmd.exec_args.empty());
}

TEST(Dockerfile, InvalidJsonFallsBackToShellFormWithAWarning) {
  const Dockerfile df = parse("FROM a\nCMD [\"node\", 'agent.js']\n");
  const Instruction& cmd = only(df, "CMD");
  EXPECT_FALSE(cmd.exec_form);
  EXPECT_EQ(cmd.arguments, "[\"node\", 'agent.js']");
  EXPECT_TRUE(messages(df).empty());
  EXPECT_EQ(messages(df, Severity::warning).size(), 1u);
}

TEST(Dockerfile, ShellTestCommandInBracketsIsShellFormWithoutDiagnostics) {
  const Dockerfile df =
      parse("FROM a\nRUN [ -f /etc/os-release ] && echo yes\nRUN [ \"$A\" = b ]\n");
  EXPECT_FALSE(df.instructions[1].exec_form);
  EXPECT_FALSE(df.instructions[2].exec_form);
  EXPECT_TRUE(df.diagnostics.empty());
}

TEST(Dockerfile, ShellInstructionRequiresJson) {
  const Dockerfile ok = parse("FROM a\nSHELL [\"/bin/bash\", \"-c\"]\n");
  EXPECT_TRUE(only(ok, "SHELL").exec_form);
  EXPECT_TRUE(ok.diagnostics.empty());
  const Dockerfile bad = parse("FROM a\nSHELL /bin/bash -c\n");
  EXPECT_EQ(messages(bad).size(), 1u);
  EXPECT_EQ(bad.diagnostics[0].line, 2);
}

TEST(Dockerfile, ExecFormRunHasNoHeredocs) {
  const Dockerfile df = parse("FROM a\nRUN [\"sh\", \"-c\", \"cat <<EOF\"]\nCMD x\n");
  ASSERT_EQ(df.instructions.size(), 3u);
  EXPECT_TRUE(df.instructions[1].heredocs.empty());
  EXPECT_EQ(df.instructions[2].line, 3);
}

// ------------------------------------------------------------------------------------ flags

TEST(Dockerfile, LeadingFlagsAreSplitFromTheArguments) {
  const Dockerfile df = parse(
      "FROM --platform=$BUILDPLATFORM node:20 AS build\n"
      "RUN --mount=type=cache,target=/root/.npm --network=none npm ci\n"
      "HEALTHCHECK --interval=30s --timeout=\"3 s\" CMD curl -f http://localhost/\n");
  EXPECT_EQ(df.instructions[0].flag("platform"), "$BUILDPLATFORM");
  EXPECT_EQ(df.instructions[0].arguments, "node:20 AS build");
  EXPECT_EQ(df.instructions[1].flag("mount"), "type=cache,target=/root/.npm");
  EXPECT_EQ(df.instructions[1].flag("network"), "none");
  EXPECT_EQ(df.instructions[1].arguments, "npm ci");
  EXPECT_EQ(df.instructions[2].flag("timeout"), "3 s");
  EXPECT_EQ(df.instructions[2].arguments, "CMD curl -f http://localhost/");
  EXPECT_EQ(df.instructions[2].flag("retries"), std::nullopt);
}

TEST(Dockerfile, ArgumentsOfOtherInstructionsKeepDoubleDashes) {
  const Dockerfile df = parse("FROM a\nCMD --help\nENTRYPOINT --x=1 y\n");
  EXPECT_TRUE(df.instructions[1].flags.empty());
  EXPECT_EQ(df.instructions[1].arguments, "--help");
  EXPECT_EQ(df.instructions[2].arguments, "--x=1 y");
}

// ---------------------------------------------------------------------------------- ENV, ARG

TEST(Dockerfile, EnvNameValuePairsAreUnquoted) {
  const Dockerfile df = parse(
      "FROM a\n"
      "ENV A=1 B=\"two words\" C='single $kept' D=esc\\ aped \\\n"
      "    E=\"quote \\\" inside\" F= G=$HOME/x\n");
  const std::vector<EnvPair> env = df.env();
  ASSERT_EQ(env.size(), 7u);
  EXPECT_EQ(env[0].name, "A");
  EXPECT_EQ(env[0].value, "1");
  EXPECT_EQ(env[1].value, "two words");
  EXPECT_EQ(env[2].value, "single $kept");
  EXPECT_EQ(env[3].value, "esc aped");
  EXPECT_EQ(env[4].name, "E");
  EXPECT_EQ(env[4].value, "quote \" inside");
  EXPECT_EQ(env[5].value, "");
  EXPECT_EQ(env[6].value, "$HOME/x");  // not expanded
  EXPECT_EQ(env[0].line, 2);
  EXPECT_EQ(env[4].line, 3);
  EXPECT_TRUE(df.diagnostics.empty());
}

TEST(Dockerfile, LegacyEnvTakesTheRestOfTheLineAsValue) {
  const Dockerfile df = parse("FROM a\nENV GREETING hello  big \"world\"\n");
  const std::vector<EnvPair> env = df.env();
  ASSERT_EQ(env.size(), 1u);
  EXPECT_EQ(env[0].name, "GREETING");
  EXPECT_EQ(env[0].value, "hello  big world");
  EXPECT_EQ(env[0].line, 2);
}

TEST(Dockerfile, MalformedEnvIsDiagnosed) {
  EXPECT_EQ(messages(parse("FROM a\nENV A=1 B\n")).size(), 1u);
  EXPECT_EQ(messages(parse("FROM a\nENV =1\n")).size(), 1u);
  EXPECT_EQ(messages(parse("FROM a\nENV ALONE\n")).size(), 1u);
  EXPECT_EQ(messages(parse("FROM a\nENV\n")).size(), 1u);
  const Dockerfile df = parse("FROM a\nENV A=1 B\n");
  ASSERT_EQ(df.env().size(), 1u);  // the good pair survives
}

TEST(Dockerfile, ArgsWithAndWithoutDefaults) {
  const Dockerfile df = parse("ARG BASE=node:20\nFROM $BASE\nARG VERSION NAME=\"a b\" EMPTY=\n");
  const std::vector<EnvPair> args = df.args();
  ASSERT_EQ(args.size(), 4u);
  EXPECT_EQ(args[0].name, "BASE");
  EXPECT_EQ(args[0].value, "node:20");
  EXPECT_EQ(args[0].line, 1);
  EXPECT_EQ(args[1].name, "VERSION");
  EXPECT_FALSE(args[1].has_value);
  EXPECT_EQ(args[2].value, "a b");
  EXPECT_TRUE(args[3].has_value);
  EXPECT_EQ(args[3].value, "");
  EXPECT_EQ(args[3].line, 3);
}

// ------------------------------------------------------------------------------- COPY, ADD

TEST(Dockerfile, CopyWithFlagsAndSeveralSources) {
  const Dockerfile df = parse(
      "FROM a\n"
      "COPY --chown=node:node --chmod=755 --link a.js \"b c.js\" src/*.ts /app/\n");
  const Instruction& copy = only(df, "COPY");
  EXPECT_EQ(copy.flags, (std::vector<std::pair<std::string, std::string>>{
                            {"chown", "node:node"}, {"chmod", "755"}, {"link", ""}}));
  const std::vector<Copy> copies = df.copies();
  ASSERT_EQ(copies.size(), 1u);
  EXPECT_EQ(copies[0].sources, (std::vector<std::string>{"a.js", "b c.js", "src/*.ts"}));
  EXPECT_EQ(copies[0].destination, "/app/");
  EXPECT_EQ(copies[0].from, "");
  EXPECT_EQ(copies[0].line, 2);
  EXPECT_EQ(copies[0].instruction, &copy);
}

TEST(Dockerfile, AddWithParentsAndExcludeAndCopyFromStage) {
  const Dockerfile df = parse(
      "FROM a AS build\n"
      "FROM b\n"
      "ADD --parents --exclude=*.md src/ docs/ /srv/\n"
      "COPY --from=build /out/agent.js /opt/claude-agent/claude-agent.js\n");
  const std::vector<Copy> copies = df.copies();
  ASSERT_EQ(copies.size(), 2u);
  EXPECT_EQ(copies[0].instruction->keyword, "ADD");
  EXPECT_EQ(copies[0].instruction->flag("parents"), "");
  EXPECT_EQ(copies[0].instruction->flag("exclude"), "*.md");
  EXPECT_EQ(copies[0].sources, (std::vector<std::string>{"src/", "docs/"}));
  EXPECT_EQ(copies[1].from, "build");
  EXPECT_EQ(copies[1].destination, "/opt/claude-agent/claude-agent.js");
}

TEST(Dockerfile, CopyExecFormTakesTheLastElementAsDestination) {
  const Dockerfile df =
      parse("FROM a\nCOPY --chown=1:1 [\"src/a b.js\", \"c.js\", \"/opt/app/\"]\n");
  const std::vector<Copy> copies = df.copies();
  ASSERT_EQ(copies.size(), 1u);
  EXPECT_EQ(copies[0].sources, (std::vector<std::string>{"src/a b.js", "c.js"}));
  EXPECT_EQ(copies[0].destination, "/opt/app/");
  EXPECT_EQ(copies[0].instruction->flag("chown"), "1:1");
}

TEST(Dockerfile, CopyWithoutDestinationIsDiagnosed) {
  const Dockerfile df = parse("FROM a\nCOPY onlyone\n");
  EXPECT_TRUE(df.copies().empty());
  EXPECT_EQ(messages(df).size(), 1u);
}

// --------------------------------------------------------------------------------- heredocs

TEST(Dockerfile, RunCatRedirectBeforeHeredocWritesTheTarget) {
  const Dockerfile df = parse(
      "FROM node:20\n"
      "RUN cat > /opt/claude-agent/claude-agent.js << 'EOF'\n"
      "const url = `${base}/internal/stream`;\n"
      "# not a comment in a body \\\n"
      "EOF\n"
      "CMD [\"node\"]\n");
  const Instruction& run = only(df, "RUN");
  EXPECT_EQ(run.arguments, "cat > /opt/claude-agent/claude-agent.js << 'EOF'");
  ASSERT_EQ(run.heredocs.size(), 1u);
  const Heredoc& h = run.heredocs[0];
  EXPECT_EQ(h.delimiter, "EOF");
  EXPECT_TRUE(h.quoted);
  EXPECT_FALSE(h.strip_tabs);
  EXPECT_EQ(h.body, "const url = `${base}/internal/stream`;\n# not a comment in a body \\\n");
  EXPECT_EQ(h.line, 2);
  EXPECT_EQ(h.body_line, 3);
  EXPECT_EQ(h.end_line, 5);
  EXPECT_EQ(h.target, "/opt/claude-agent/claude-agent.js");
  EXPECT_FALSE(h.append);
  EXPECT_EQ(run.end_line, 5);
  EXPECT_EQ(df.instructions.back().line, 6);
  EXPECT_TRUE(df.diagnostics.empty());
}

TEST(Dockerfile, RunCatHeredocBeforeRedirectWritesTheTarget) {
  const Dockerfile df = parse("FROM a\nRUN cat <<'EOF' > /etc/app.conf\nx=1\nEOF\n");
  const Heredoc& h = only(df, "RUN").heredocs.at(0);
  EXPECT_EQ(h.target, "/etc/app.conf");
  EXPECT_EQ(h.body, "x=1\n");
}

TEST(Dockerfile, HeredocAfterACommandChainBelongsToItsOwnCommand) {
  const Dockerfile df = parse(
      "FROM a\n"
      "RUN mkdir -p /x && cat > /x/f.js <<'EOF' && chmod +x /x/f.js\n"
      "console.log(1);\n"
      "EOF\n");
  EXPECT_EQ(only(df, "RUN").heredocs.at(0).target, "/x/f.js");
}

TEST(Dockerfile, AppendRedirectAndTeeAppendAreMarked) {
  const Dockerfile df = parse(
      "FROM a\n"
      "RUN cat >> /etc/profile <<EOF\nexport A=1\nEOF\n"
      "RUN tee -a /etc/hosts <<EOF\n1.2.3.4 x\nEOF\n"
      "RUN tee /etc/motd <<EOF >/dev/null\nhi\nEOF\n");
  const std::vector<Dockerfile::WrittenFile> files = df.written_files();
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].path, "/etc/profile");
  EXPECT_TRUE(files[0].append);
  EXPECT_EQ(files[1].path, "/etc/hosts");
  EXPECT_TRUE(files[1].append);
  EXPECT_EQ(files[2].path, "/etc/motd");
  EXPECT_FALSE(files[2].append);
  EXPECT_EQ(files[2].line, 8);
  EXPECT_EQ(files[2].heredoc->body, "hi\n");
}

TEST(Dockerfile, CatPipedIntoTeeWritesTheTeeFile) {
  const Dockerfile df = parse("FROM a\nRUN cat <<EOF | tee /c.txt\npiped\nEOF\n");
  EXPECT_EQ(only(df, "RUN").heredocs.at(0).target, "/c.txt");
}

TEST(Dockerfile, HeredocsFeedingOtherCommandsHaveNoTarget) {
  const Dockerfile df = parse(
      "FROM a\n"
      "RUN <<EOF\nset -e\necho hi\nEOF\n"
      "RUN python3 - <<'PY'\nprint(1)\nPY\n"
      "RUN cat /etc/base <<EOF > /etc/out\nignored\nEOF\n"
      "RUN cat -n <<EOF > /numbered\nx\nEOF\n");
  for (const Instruction& ins : df.instructions) {
    for (const Heredoc& h : ins.heredocs) EXPECT_EQ(h.target, "") << h.delimiter;
  }
  EXPECT_TRUE(df.written_files().empty());
  EXPECT_EQ(df.instructions[1].heredocs.at(0).body, "set -e\necho hi\n");
}

TEST(Dockerfile, QuotedRedirectTargetIsUnquoted) {
  const Dockerfile df = parse("FROM a\nRUN cat >'/opt/q.js' <<EOF\nx\nEOF\n");
  EXPECT_EQ(only(df, "RUN").heredocs.at(0).target, "/opt/q.js");
}

TEST(Dockerfile, RealisticAgentDockerfile) {
  const Dockerfile df = parse(
      "# syntax=docker/dockerfile:1.7\n"
      "FROM docker.io/cloudflare/sandbox:0.4.3\n"
      "ENV NODE_ENV=production\n"
      "RUN npm install -g @anthropic-ai/claude-code@1.0.0 && \\\n"
      "    mkdir -p /opt/claude-agent\n"
      "\n"
      "# The agent script, kept in sync with src/sandbox-scripts/claude-agent.js\n"
      "RUN cat > /opt/claude-agent/claude-agent.js << 'EOF'\n"
      "#!/usr/bin/env node\n"
      "const callback = process.env.VF_CALLBACK_URL;\n"
      "\n"
      "async function post(line) {\n"
      "  await fetch(`${callback}/internal/stream`, { method: 'POST', body: line + '\\n' });\n"
      "}\n"
      "EOF\n"
      "\n"
      "EXPOSE 3000\n");
  ASSERT_TRUE(df.diagnostics.empty()) << df.diagnostics[0].message;
  const std::vector<Dockerfile::WrittenFile> files = df.written_files();
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].path, "/opt/claude-agent/claude-agent.js");
  EXPECT_EQ(files[0].line, 8);
  const Heredoc& h = *files[0].heredoc;
  EXPECT_EQ(h.body_line, 9);
  EXPECT_EQ(h.end_line, 15);
  EXPECT_TRUE(h.body.starts_with("#!/usr/bin/env node\nconst callback"));
  EXPECT_TRUE(h.body.ends_with("}\n"));
  EXPECT_EQ(df.instructions.back().keyword, "EXPOSE");
  EXPECT_EQ(df.instructions.back().line, 17);
  EXPECT_EQ(df.env().at(0).name, "NODE_ENV");
}

TEST(Dockerfile, UndecidableTargetsAreLeftEmpty) {
  const Dockerfile df = parse(
      "FROM a\n"
      "RUN cat > \"$DIR/f\" <<EOF\nx\nEOF\n"
      "RUN cd /opt && cat > f.js <<EOF\nx\nEOF\n"
      "RUN cat > rel.js <<EOF\nx\nEOF\n");
  EXPECT_EQ(df.instructions[1].heredocs.at(0).target, "");
  EXPECT_EQ(df.instructions[2].heredocs.at(0).target, "");
  EXPECT_EQ(df.instructions[3].heredocs.at(0).target, "rel.js");  // relative to WORKDIR
}

TEST(Dockerfile, OnlyTheLastStandardInputHeredocIsWritten) {
  const Dockerfile df = parse("FROM a\nRUN cat <<A <<B > /p\nfirst\nA\nsecond\nB\n");
  const Instruction& run = only(df, "RUN");
  ASSERT_EQ(run.heredocs.size(), 2u);
  EXPECT_EQ(run.heredocs[0].target, "");
  EXPECT_EQ(run.heredocs[1].target, "/p");
  EXPECT_EQ(run.heredocs[1].body, "second\n");
}

TEST(Dockerfile, IndentedDelimiterDoesNotTerminatePlainHeredoc) {
  const Dockerfile df = parse(
      "FROM a\n"
      "RUN cat > /f <<EOF\n"
      "  EOF\n"
      "\tEOF\n"
      "EOF \n"
      "EOF\n"
      "CMD x\n");
  const Heredoc& h = only(df, "RUN").heredocs.at(0);
  EXPECT_EQ(h.body, "  EOF\n\tEOF\nEOF \n");
  EXPECT_EQ(h.end_line, 6);
  EXPECT_EQ(df.instructions.back().line, 7);
  EXPECT_TRUE(df.diagnostics.empty());
}

TEST(Dockerfile, DashHeredocStripsLeadingTabsFromBodyAndTerminator) {
  const Dockerfile df = parse(
      "FROM a\n"
      "RUN cat > /f <<-EOF\n"
      "\t\tindented\n"
      "\t  tab then spaces\n"
      "  spaces kept\n"
      "\t\tEOF\n"
      "CMD x\n");
  const Heredoc& h = only(df, "RUN").heredocs.at(0);
  EXPECT_TRUE(h.strip_tabs);
  EXPECT_FALSE(h.quoted);
  EXPECT_EQ(h.body, "indented\n  tab then spaces\n  spaces kept\n");
  EXPECT_EQ(h.end_line, 6);
  EXPECT_EQ(df.instructions.size(), 3u);
}

TEST(Dockerfile, DashHeredocDoesNotStripSpacesSoASpaceIndentedTerminatorDoesNotEnd) {
  const Dockerfile df = parse(
      "FROM a\n"
      "RUN cat > /f <<-EOF\n"
      "  body\n"
      "  EOF\n"
      "CMD x\n");
  const Heredoc& h = only(df, "RUN").heredocs.at(0);
  EXPECT_FALSE(h.terminated);
  EXPECT_EQ(h.body, "  body\n  EOF\nCMD x\n");
  EXPECT_EQ(messages(df).size(), 1u);
  EXPECT_EQ(df.instructions.size(), 2u);
}

TEST(Dockerfile, QuotedDelimiterFormsAreRecognised) {
  const Dockerfile df = parse(
      "FROM a\n"
      "RUN cat > /1 <<'ONE'\n$x\nONE\n"
      "RUN cat > /2 <<\"TWO\"\n$x\nTWO\n"
      "RUN cat > /3 <<T\"HR\"EE\n$x\nTHREE\n"
      "RUN cat > /4 <<\\FOUR\n$x\nFOUR\n"
      "RUN cat > /5 <<FIVE\n$x\nFIVE\n"
      "RUN cat > /6 <<-  'SIX'\n$x\nSIX\n");
  const std::vector<std::pair<std::string, bool>> expected = {{"ONE", true},   {"TWO", true},
                                                              {"THREE", true}, {"FOUR", true},
                                                              {"FIVE", false}, {"SIX", true}};
  ASSERT_EQ(df.instructions.size(), 7u);
  for (std::size_t k = 0; k < expected.size(); ++k) {
    const Instruction& run = df.instructions[k + 1];
    ASSERT_EQ(run.heredocs.size(), 1u) << run.arguments;
    EXPECT_EQ(run.heredocs[0].delimiter, expected[k].first);
    EXPECT_EQ(run.heredocs[0].quoted, expected[k].second) << expected[k].first;
    EXPECT_EQ(run.heredocs[0].body, "$x\n");
    EXPECT_EQ(run.heredocs[0].target, "/" + std::to_string(k + 1));
  }
  EXPECT_TRUE(df.diagnostics.empty());
}

TEST(Dockerfile, SeveralHeredocsInOneRunTakeTheirBodiesInOrder) {
  const Dockerfile df = parse(
      "FROM alpine\n"
      "RUN <<A cat > /a.txt && tee -a /b.txt <<-\"B\" && python3 - <<'C'\n"
      "first\n"
      "A\n"
      "\tsecond\n"
      "\tB\n"
      "print(1 << 2)\n"
      "C\n"
      "CMD x\n");
  const Instruction& run = only(df, "RUN");
  ASSERT_EQ(run.heredocs.size(), 3u);
  EXPECT_EQ(run.heredocs[0].delimiter, "A");
  EXPECT_EQ(run.heredocs[0].body, "first\n");
  EXPECT_EQ(run.heredocs[0].body_line, 3);
  EXPECT_EQ(run.heredocs[0].end_line, 4);
  EXPECT_EQ(run.heredocs[0].target, "/a.txt");
  EXPECT_EQ(run.heredocs[1].body, "second\n");
  EXPECT_EQ(run.heredocs[1].body_line, 5);
  EXPECT_EQ(run.heredocs[1].target, "/b.txt");
  EXPECT_TRUE(run.heredocs[1].append);
  EXPECT_EQ(run.heredocs[2].body, "print(1 << 2)\n");
  EXPECT_EQ(run.heredocs[2].body_line, 7);
  EXPECT_EQ(run.heredocs[2].end_line, 8);
  EXPECT_EQ(run.heredocs[2].target, "");
  EXPECT_EQ(run.end_line, 8);
  EXPECT_EQ(df.instructions.back().line, 9);
}

TEST(Dockerfile, HeredocBodiesStartAfterTheLastContinuationLine) {
  const Dockerfile df = parse(
      "FROM a\n"
      "RUN mkdir -p /x && \\\n"
      "    cat > /x/f <<EOF\n"
      "body\n"
      "EOF\n");
  const Instruction& run = only(df, "RUN");
  ASSERT_EQ(run.heredocs.size(), 1u);
  EXPECT_EQ(run.heredocs[0].line, 3);
  EXPECT_EQ(run.heredocs[0].body_line, 4);
  EXPECT_EQ(run.heredocs[0].target, "/x/f");
}

TEST(Dockerfile, LessLessInQuotesArithmeticOrHereStringIsNoHeredoc) {
  const Dockerfile df = parse(
      "FROM a\n"
      "RUN echo \"a <<EOF\" 'b <<EOF' \\<<EOF\n"
      "RUN echo $((1<<2)) $(( 1 << 3 )) && (( x = 1 << 4 ))\n"
      "RUN cat <<< \"here string\"\n"
      "RUN echo \"$(printf '%s' \"<<EOF\")\"\n"
      "LABEL note=\"<<EOF\"\n"
      "ENV X=<<EOF\n"
      "CMD done\n");
  ASSERT_EQ(df.instructions.size(), 8u);
  for (const Instruction& ins : df.instructions) EXPECT_TRUE(ins.heredocs.empty()) << ins.arguments;
  EXPECT_EQ(df.instructions.back().line, 8);
  EXPECT_TRUE(df.diagnostics.empty());
}

TEST(Dockerfile, HeredocOperatorGluedToAPreviousWordIsNotReadLikeBuildKit) {
  // BuildKit only takes a word starting with `<<` as a heredoc; `cat<<EOF` is one word to it, so
  // the following lines are instructions (and the build fails on them).
  const Dockerfile df = parse("FROM a\nRUN cat<<EOF >/x\nhello\nEOF\n");
  ASSERT_EQ(df.instructions.size(), 4u);
  EXPECT_TRUE(df.instructions[1].heredocs.empty());
  EXPECT_EQ(messages(df, Severity::warning).size(), 1u);
  EXPECT_EQ(messages(df), (std::vector<std::string>{"3: unknown instruction HELLO",
                                                    "4: unknown instruction EOF"}));
}

TEST(Dockerfile, HeredocDelimiterRunsToTheNextBlankLikeBuildKit) {
  // `<<EOF>/p` is one word to BuildKit: the terminator line must be `EOF>/p`.
  const Dockerfile df = parse("FROM a\nRUN cat <<EOF>/p\nEOF\nEOF>/p\nCMD x\n");
  const Heredoc& h = only(df, "RUN").heredocs.at(0);
  EXPECT_EQ(h.delimiter, "EOF>/p");
  EXPECT_EQ(h.body, "EOF\n");
  EXPECT_EQ(df.instructions.back().line, 5);
}

TEST(Dockerfile, ExplicitDescriptorHeredocIsReadButNotWritten) {
  const Dockerfile df = parse("FROM a\nRUN cat 3<<EOF > /p\nx\nEOF\nCMD y\n");
  const Instruction& run = only(df, "RUN");
  ASSERT_EQ(run.heredocs.size(), 1u);
  EXPECT_EQ(run.heredocs[0].target, "");
  EXPECT_EQ(df.instructions.back().line, 5);
}

TEST(Dockerfile, CopyHeredocWritesTheDestination) {
  const Dockerfile df = parse(
      "FROM a\n"
      "COPY <<EOF /etc/app.conf\nkey=value\nEOF\n"
      "COPY --chmod=755 <<A <<B /dest/\nY\nA\nX\nB\n"
      "ADD << 'C' /c.txt\nc\nC\n"
      "COPY <<\\D /d.txt\nd\nD\n");
  const std::vector<Dockerfile::WrittenFile> files = df.written_files();
  ASSERT_EQ(files.size(), 5u);
  EXPECT_EQ(files[0].path, "/etc/app.conf");
  EXPECT_EQ(files[0].heredoc->body, "key=value\n");
  EXPECT_EQ(files[1].path, "/dest/A");
  EXPECT_EQ(files[1].heredoc->body, "Y\n");
  EXPECT_EQ(files[2].path, "/dest/B");
  EXPECT_EQ(files[2].heredoc->body, "X\n");
  EXPECT_EQ(files[3].path, "/c.txt");
  EXPECT_TRUE(files[3].heredoc->quoted);
  // BuildKit (not a shell) expands COPY heredocs: a backslash does not quote the delimiter
  EXPECT_EQ(files[4].heredoc->delimiter, "D");
  EXPECT_FALSE(files[4].heredoc->quoted);
  // heredoc sources are not file copies
  EXPECT_TRUE(df.copies().empty());
  EXPECT_TRUE(df.diagnostics.empty());
}

TEST(Dockerfile, CopyMixingFilesAndHeredocsListsOnlyTheFiles) {
  const Dockerfile df = parse("FROM a\nCOPY a.txt <<EOF /dir/\ninline\nEOF\n");
  const std::vector<Copy> copies = df.copies();
  ASSERT_EQ(copies.size(), 1u);
  EXPECT_EQ(copies[0].sources, std::vector<std::string>{"a.txt"});
  ASSERT_EQ(df.written_files().size(), 1u);
  EXPECT_EQ(df.written_files()[0].path, "/dir/EOF");
}

TEST(Dockerfile, HeredocAtEndOfFileWithoutFinalNewline) {
  const Dockerfile df = parse("FROM a\nRUN cat > /x <<EOF\nlast line\nEOF");
  const Heredoc& h = only(df, "RUN").heredocs.at(0);
  EXPECT_TRUE(h.terminated);
  EXPECT_EQ(h.body, "last line\n");
  EXPECT_EQ(h.end_line, 4);
  EXPECT_TRUE(df.diagnostics.empty());
}

TEST(Dockerfile, EmptyHeredocBody) {
  const Dockerfile df = parse("FROM a\nRUN cat > /empty <<EOF\nEOF\n");
  const Heredoc& h = only(df, "RUN").heredocs.at(0);
  EXPECT_EQ(h.body, "");
  EXPECT_EQ(h.end_line, 3);
  EXPECT_TRUE(h.terminated);
}

TEST(Dockerfile, UnterminatedHeredocIsDiagnosedOnTheLineThatOpenedIt) {
  const Dockerfile df = parse(
      "FROM a\n"
      "RUN echo start && \\\n"
      "    cat > /x <<EOF\n"
      "no terminator\n"
      "FROM b\n");
  const Instruction& run = only(df, "RUN");
  ASSERT_EQ(run.heredocs.size(), 1u);
  const Heredoc& h = run.heredocs[0];
  EXPECT_FALSE(h.terminated);
  EXPECT_EQ(h.body, "no terminator\nFROM b\n");
  EXPECT_EQ(h.end_line, 5);
  EXPECT_EQ(run.end_line, 5);
  EXPECT_EQ(messages(df),
            std::vector<std::string>{"3: unterminated heredoc: no line 'EOF' after line 3"});
  EXPECT_EQ(df.instructions.size(), 2u);  // the FROM inside the body is not an instruction
}

TEST(Dockerfile, UnterminatedHeredocWithoutBodyLines) {
  const Dockerfile df = parse("FROM a\nRUN cat <<A <<B");
  const Instruction& run = only(df, "RUN");
  ASSERT_EQ(run.heredocs.size(), 2u);
  EXPECT_EQ(messages(df).size(), 2u);
  for (const Heredoc& h : run.heredocs) {
    EXPECT_FALSE(h.terminated);
    EXPECT_EQ(h.end_line, 2);
    EXPECT_LE(h.body_line, h.end_line);
  }
}

TEST(Dockerfile, LineOfMapsABodyIndexToTheDockerfileLine) {
  const Dockerfile df = parse("FROM a\n\nRUN cat > /f <<EOF\nzero\none\ntwo\nEOF\n");
  const Heredoc& h = only(df, "RUN").heredocs.at(0);
  EXPECT_EQ(h.line_of(0), 4);
  EXPECT_EQ(h.line_of(2), 6);
}

TEST(Dockerfile, HeredocsUnderBacktickEscapeStillUseShellQuoting) {
  const Dockerfile df = parse("# escape=`\nFROM a\nCOPY <<-EOF C:/app/x.txt\n\tindented\n\tEOF\n");
  const std::vector<Dockerfile::WrittenFile> files = df.written_files();
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].path, "C:/app/x.txt");
  EXPECT_EQ(files[0].heredoc->body, "indented\n");
}

TEST(Dockerfile, ResultOwnsItsStrings) {
  Dockerfile df;
  {
    std::string text = "FROM a\nRUN cat > /f <<EOF\nbody\nEOF\nENV A=b\n";
    df = parse(text);
    text.assign(text.size(), 'x');
  }
  EXPECT_EQ(df.instructions.at(1).heredocs.at(0).body, "body\n");
  EXPECT_EQ(df.env().at(0).value, "b");
}

}  // namespace
}  // namespace v15::dockerfile
