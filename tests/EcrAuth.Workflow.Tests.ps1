# Lints .github/workflows/ci.yml, the hosted CI that runs what this machine cannot (Windows
# PowerShell 5.1, Windows itself, macOS, native arm64 Linux): the YAML parses, its jobs cover
# those runners, and every task, tag and file its steps name exists here. PyYAML parses it, so
# this file runs on the Linux side only and is skipped on Windows.
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSAvoidUsingWriteHost', '', Justification = 'The skip reason is for the person reading the test log')]
param()

BeforeDiscovery {
    $root = Split-Path -Parent $PSScriptRoot
    $onWindows = ($PSVersionTable.PSEdition -ne 'Core') -or $IsWindows
    $candidates = @((Join-Path $root '.venv/bin/python'),
        (Get-Command python3 -CommandType Application -ErrorAction Ignore | Select-Object -First 1 -ExpandProperty Source)) |
        Where-Object { -not $onWindows -and $_ -and (Test-Path -LiteralPath $_) }
    $script:Python = $candidates | Where-Object { $null = & $_ -c 'import yaml' 2>&1; $LASTEXITCODE -eq 0 } | Select-Object -First 1
    $script:NoPython = $onWindows -or -not $Python
    if ($onWindows) { Write-Host 'SKIPPED workflow lint: it parses YAML with Python, which the tests use on Linux and macOS only' }
    elseif ($NoPython) { Write-Host 'SKIPPED workflow lint: no Python with PyYAML (.venv/bin/python or python3); install it with: .venv/bin/pip install pyyaml' }
}

# -ForEach hands the Python found at discovery to the run phase.
Describe 'The hosted CI workflow, .github/workflows/ci.yml' -Tag Unit -Skip:$NoPython -ForEach @(@{ Python = $Python }) {
    BeforeAll {
        $script:Root = Split-Path -Parent $PSScriptRoot
        # BaseLoader keeps every scalar a string, so `on:` stays "on" as GitHub reads it (YAML 1.1
        # would make it true); duplicate keys, which GitHub rejects and PyYAML would merge, fail.
        $parser = @'
import json, sys, yaml
def mapping(loader, node):
    keys = [loader.construct_scalar(key) for key, _ in node.value]
    if len(set(keys)) < len(keys):
        raise yaml.constructor.ConstructorError(None, None, 'duplicate keys %s' % sorted({k for k in keys if keys.count(k) > 1}), node.start_mark)
    return loader.construct_mapping(node)
Loader = type('Loader', (yaml.BaseLoader,), {})
Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
try:
    with open(sys.argv[1], encoding='utf-8') as stream:
        print(json.dumps(yaml.load(stream, Loader=Loader)))
except yaml.YAMLError as error:
    sys.exit('%s: %s' % (sys.argv[1], error))
'@
        $script:Parsed = @(& $Python -c $parser (Join-Path $Root '.github/workflows/ci.yml') 2>&1 | ForEach-Object { "$_" })
        $script:ParseExit = $LASTEXITCODE
        $script:Workflow = if ($ParseExit -eq 0) { $Parsed -join "`n" | ConvertFrom-Json -AsHashtable } else { @{ jobs = @{} } }

        # One entry per job: its runner labels (a `${{ matrix.x }}` runs-on expanded), steps and run text.
        $script:Jobs = foreach ($name in $Workflow.jobs.Keys) {
            $job = $Workflow.jobs[$name]
            $runners = @($job['runs-on'])
            if ("$($job['runs-on'])" -match '^\$\{\{\s*matrix\.([\w-]+)\s*\}\}$') {
                $key = $Matches[1]; $matrix = $job.strategy.matrix
                $runners = @(@($matrix[$key]) + @($matrix['include'] | ForEach-Object { $_[$key] }) | Where-Object { $_ })
            }
            $steps = @($job.steps)
            [pscustomobject]@{ Name = $name; Job = $job; Runners = $runners; Steps = $steps; Run = ($steps | ForEach-Object { $_['run'] }) -join "`n" }
        }
        $script:AllRun = ($Jobs | ForEach-Object Run) -join "`n"
        function script:Get-JobText([string] $RunnerPattern) { ($Jobs | Where-Object { $_.Runners -match $RunnerPattern } | ForEach-Object Run) -join "`n" }

        $known = Select-String -LiteralPath (Join-Path $Root 'build.ps1') -Pattern '^\$known\s*=\s*(.+)$' | Select-Object -First 1
        if (-not $known) { throw "build.ps1 has no `$known = ... line listing its tasks: update this test to find them" }
        $script:KnownTasks = @([regex]::Matches($known.Matches[0].Groups[1].Value, "'(\w+)'") | ForEach-Object { $_.Groups[1].Value })
        $script:KnownTags = @(Get-ChildItem -LiteralPath (Join-Path $Root 'tests') -Filter '*.Tests.ps1' |
                Select-String -Pattern '^\s*Describe\b.*\s-Tag\s+(@\()?([''"]?\w+[''"]?(\s*,\s*[''"]?\w+[''"]?)*)' |
                ForEach-Object { [regex]::Matches($_.Matches[0].Groups[2].Value, '\w+').Value } | Sort-Object -Unique)
    }

    It 'given the workflow file, PyYAML parses it without duplicate keys' {
        $ParseExit | Should -Be 0 -Because ($Parsed -join "`n")
        $Jobs.Count | Should -BeGreaterThan 0
    }

    It 'given its triggers, it runs on push, on pull requests and by hand' {
        $on = $Workflow['on']
        $triggers = if ($on -is [System.Collections.IDictionary]) { @($on.Keys) } else { @($on) }
        foreach ($trigger in 'push', 'pull_request', 'workflow_dispatch') { $triggers | Should -Contain $trigger }
    }

    It 'given its runners, it has a job on <Platform>' -TestCases @(
        @{ Platform = 'Windows'; Pattern = '^windows-' }
        @{ Platform = 'Ubuntu x64'; Pattern = '^ubuntu-(latest|\d+\.\d+)$' }
        @{ Platform = 'Ubuntu arm64'; Pattern = '^ubuntu-.+-arm$' }
        @{ Platform = 'macOS'; Pattern = '^macos-' }
    ) {
        param($Platform, $Pattern)
        @($Jobs | Where-Object { $_.Runners -match $Pattern }).Count | Should -BeGreaterThan 0 -Because "a job should run on $Platform"
    }

    It 'given the Windows job, it runs the Pester suites on both Windows PowerShell 5.1 and PowerShell 7' {
        $windows = Get-JobText '^windows-'
        $windows | Should -Match '(?m)^\s*powershell(\.exe)?\s.*build\.ps1\s+Pester'
        $windows | Should -Match '(?m)^\s*pwsh(\.exe)?\s.*build\.ps1\s+Pester'
    }

    It 'given the macOS job, it builds the library there' {
        Get-JobText '^macos-' | Should -Match 'build\.ps1\s+Build'
    }

    It 'given FIPS mode is switched on, a step that always runs switches it off' {
        $off = @($Jobs.Steps | Where-Object { "$($_['run'])" -match 'FipsAlgorithmPolicy.*-Value 0' })
        $off.Count | Should -BeGreaterThan 0
        $off | ForEach-Object { $_['if'] | Should -Be 'always()' }
    }

    It 'given each job, it keeps the AWS SDK off the instance metadata service and has a time limit' {
        foreach ($entry in $Jobs) {
            $entry.Job.env.AWS_EC2_METADATA_DISABLED | Should -Be 'true' -Because "job $($entry.Name) should set it"
            [int]$entry.Job['timeout-minutes'] | Should -BeGreaterThan 0 -Because "job $($entry.Name) should have a timeout"
        }
    }

    It 'given each step, it has either uses or run, and every uses is owner/repo@vN' {
        $bad = foreach ($step in $Jobs.Steps) {
            if (-not ($step.Contains('uses') -xor $step.Contains('run'))) { "neither or both uses and run: $($step | ConvertTo-Json -Compress)" }
            elseif ($step.Contains('uses') -and $step['uses'] -notmatch '^[\w-]+/[\w.-]+@v\d+$') { "not owner/repo@vN: $($step['uses'])" }
        }
        $bad | Should -BeNullOrEmpty
    }

    It 'given each build.ps1 call, its tasks are build.ps1 tasks and its tags are tags the tests use' {
        $KnownTasks.Count | Should -BeGreaterThan 3 -Because "build.ps1's `$known line should list its tasks"
        $KnownTags | Should -Contain 'Unit'
        $calls = @([regex]::Matches($AllRun, 'build\.ps1\b([^\r\n;|]*)') | ForEach-Object { $_.Groups[1].Value })
        $calls.Count | Should -BeGreaterThan 0
        foreach ($arguments in $calls) {
            foreach ($task in (($arguments -split '\s+-')[0] -split '[\s,]+' | Where-Object { $_ })) { $KnownTasks | Should -Contain $task -Because "build.ps1$arguments" }
            foreach ($match in [regex]::Matches($arguments, '-Tag\s+([\w''",]+)')) {
                foreach ($tag in ($match.Groups[1].Value -split '[,''"]' | Where-Object { $_ })) { $KnownTags | Should -Contain $tag -Because "build.ps1$arguments" }
            }
        }
    }

    It 'given each relative path a step runs or reads, the repository has it (.venv aside, which the job creates)' {
        $paths = @($AllRun -split '[\s"''`;|&(){}=,<>]+' | Where-Object {
                $_ -match '^[\w.-]+([\\/][\w.*-]+)+$' -and $_ -notmatch '^\.venv[\\/]' -and $_ -notmatch '^[\w-]+(\.[\w-]+)+/' })
        $paths | Should -Contain './build.ps1'
        $paths | Where-Object { -not (Test-Path -Path (Join-Path $Root ($_ -replace '\\', '/'))) } | Should -BeNullOrEmpty
    }
}
