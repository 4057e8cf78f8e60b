<#
.SYNOPSIS
Generates the MAML help file (<Assembly>.dll-Help.xml) of a compiled cmdlet assembly from its
cmdlet metadata and its C# XML documentation file.

.DESCRIPTION
Compiled cmdlets read their help from MAML, not from comment-based help. This script imports the
assembly as a binary module, takes each cmdlet's parameter sets, parameters and attributes from
Get-Command (the metadata PowerShell itself binds with), takes the text from the XML documentation
file the compiler emits, and writes one command:command per cmdlet, in the spirit of
XmlDoc2CmdletDoc.

The doc comments it reads, on a cmdlet class: <summary> (synopsis), <remarks> (description, one
<maml:para> per <para>), <example> (<code>, then <para> remarks), <inputType name="...">,
<outputType name="..."> and <related> (optional uri="..."). On a parameter property, looked up by
its declaring type: <summary> (description) and an optional <default>. Inline <c>, <see>,
<paramref> and <list> are rendered as plain text.

It throws, writing nothing, when the documentation file is missing or when a cmdlet has no
<summary> or <remarks> or one of its parameters (common parameters, WhatIf and Confirm aside) has
no <summary>, so the help is never silently empty. The output is written atomically (a temporary
file, then a rename), as UTF-8 without a byte order mark. Run it in a child pwsh, so the build
does not keep the assembly loaded.

.PARAMETER AssemblyPath
The built cmdlet assembly (EcrAuth.dll).

.PARAMETER DocumentationPath
The XML documentation file the compiler emitted for that assembly (EcrAuth.xml).

.PARAMETER OutputPath
The MAML file to write, normally <module>/en-US/<Assembly>.dll-Help.xml; its folder is created if
needed.

.EXAMPLE
pwsh -NoProfile -File module/EcrAuth.Commands/Help/ConvertTo-MamlHelp.ps1 -AssemblyPath target/ecrauth-dotnet/EcrAuth.dll -DocumentationPath target/ecrauth-dotnet/EcrAuth.xml -OutputPath module/EcrAuth/en-US/EcrAuth.dll-Help.xml
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $AssemblyPath,

    [Parameter(Mandatory = $true)]
    [string] $DocumentationPath,

    [Parameter(Mandatory = $true)]
    [string] $OutputPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$MamlNamespace = 'http://schemas.microsoft.com/maml/2004/10'
$CommandNamespace = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$DevNamespace = 'http://schemas.microsoft.com/maml/dev/2004/10'
$ShouldProcessText = @{
    WhatIf  = 'Shows what would happen if the command runs. The command does not run.'
    Confirm = 'Prompts you for confirmation before running the command.'
}
# Parameters every cmdlet gets from PowerShell: documented by about_CommonParameters, not here.
$ExcludedParameters = @([System.Management.Automation.Cmdlet]::CommonParameters) + 'UseTransaction'

function Get-DocTypeId {
    # The documentation id of a type without its "T:": nested types are joined with '.', and a
    # constructed generic type is named by its definition (Base`1).
    param([type] $Type)
    if ($Type.IsGenericType -and -not $Type.IsGenericTypeDefinition) { $Type = $Type.GetGenericTypeDefinition() }
    $Type.FullName.Replace('+', '.')
}

function Get-InlineText {
    # The plain text of a node inside a paragraph: <c>x</c> is x, <see cref="T:A.B"/> is B,
    # <see langword="null"/> is null, <paramref name="x"/> is x; other elements give their text.
    param([System.Xml.XmlNode] $Node)
    if ($Node -isnot [System.Xml.XmlElement]) {
        if ($Node.NodeType -in 'Text', 'CDATA', 'Whitespace', 'SignificantWhitespace') { return $Node.Value }
        return ''
    }
    $inner = -join @(foreach ($child in $Node.ChildNodes) { Get-InlineText $child })
    switch ($Node.LocalName) {
        { $_ -in 'see', 'seealso' } {
            if ($inner.Trim()) { return $inner }
            foreach ($name in 'cref', 'href', 'langword') {
                $value = $Node.GetAttribute($name)
                if ($value) {
                    if ($name -ne 'cref') { return $value }
                    # M:A.B.Method(System.String) -> Method; T:A.B`1 -> B
                    $value = ($value -replace '^[A-Za-z]:', '') -replace '\(.*$', ''
                    return (($value -split '\.')[-1] -replace '`+\d+$', '')
                }
            }
            return ''
        }
        { $_ -in 'paramref', 'typeparamref' } { return $Node.GetAttribute('name') }
        default { return $inner }
    }
}

function Format-DocCode {
    # The text of a <code> element, verbatim: without the blank lines around it and without the
    # indentation its lines share (that of the doc file). When the code starts on the <code> line,
    # the line holding </code> gives that indentation.
    param([string] $Text)
    $lines = [System.Collections.Generic.List[string]]@($Text -split '\r?\n')
    $closingIndent = -1
    if ($lines.Count -gt 1 -and -not $lines[$lines.Count - 1].Trim()) {
        $closingIndent = $lines[$lines.Count - 1].Length
        $lines.RemoveAt($lines.Count - 1)
    }
    $firstOnTagLine = [bool]$lines[0].Trim()
    if ($firstOnTagLine) { $lines[0] = $lines[0].TrimStart() }
    while ($lines.Count -gt 0 -and -not $lines[0].Trim()) { $lines.RemoveAt(0) }
    while ($lines.Count -gt 0 -and -not $lines[$lines.Count - 1].Trim()) { $lines.RemoveAt($lines.Count - 1) }
    $rest = @(for ($i = [int]$firstOnTagLine; $i -lt $lines.Count; $i++) { if ($lines[$i].Trim()) { $lines[$i] } })
    $indent = 0
    if ($firstOnTagLine -and $closingIndent -ge 0) { $indent = $closingIndent }
    elseif ($rest.Count) { $indent = ($rest | ForEach-Object { $_.Length - $_.TrimStart().Length } | Measure-Object -Minimum).Minimum }
    $start = [int]$firstOnTagLine
    $result = for ($i = 0; $i -lt $lines.Count; $i++) {
        $line = $lines[$i]
        if ($i -ge $start) {
            $leading = $line.Length - $line.TrimStart().Length
            $line = $line.Substring([Math]::Min($indent, $leading))
        }
        $line.TrimEnd()
    }
    @($result) -join "`n"
}

function ConvertTo-DocParagraph {
    # The paragraphs of a doc element: one per <para> (and per <code> block or <list> item), text
    # outside them making paragraphs of its own; whitespace in a paragraph becomes single spaces.
    param([System.Xml.XmlNode] $Node, [string[]] $Exclude = @())
    $paragraphs = [System.Collections.Generic.List[string]]::new()
    $pending = [System.Text.StringBuilder]::new()
    $flush = {
        $text = ($pending.ToString() -replace '\s+', ' ').Trim()
        if ($text) { $paragraphs.Add($text) }
        $null = $pending.Clear()
    }
    foreach ($child in $Node.ChildNodes) {
        $name = if ($child -is [System.Xml.XmlElement]) { $child.LocalName } else { '' }
        if ($name -and $Exclude -contains $name) { continue }
        switch ($name) {
            'para' {
                . $flush
                foreach ($text in ConvertTo-DocParagraph $child) { $paragraphs.Add($text) }
            }
            'code' {
                . $flush
                $code = Format-DocCode $child.InnerText
                if ($code) { $paragraphs.Add($code) }
            }
            'list' {
                . $flush
                $number = 0
                foreach ($item in $child.SelectNodes('item')) {
                    $number++
                    $parts = @(foreach ($part in $item.ChildNodes) { ((Get-InlineText $part) -replace '\s+', ' ').Trim() }) | Where-Object { $_ }
                    $bullet = if ($child.GetAttribute('type') -eq 'number') { "$number." } else { '-' }
                    if ($parts) { $paragraphs.Add("$bullet $($parts -join ': ')") }
                }
            }
            default { $null = $pending.Append((Get-InlineText $child)) }
        }
    }
    . $flush
    , $paragraphs.ToArray()
}

function Get-ShortTypeName {
    # SecureString, String[], Nullable[Int32]: what Get-Help shows for a parameter's type.
    param([type] $Type)
    if ($Type.IsArray) { return (Get-ShortTypeName $Type.GetElementType()) + '[' + (',' * ($Type.GetArrayRank() - 1)) + ']' }
    if ($Type.IsGenericType) {
        $arguments = @(foreach ($argument in $Type.GetGenericArguments()) { Get-ShortTypeName $argument })
        return ($Type.Name -replace '`\d+$', '') + '[' + ($arguments -join ', ') + ']'
    }
    $Type.Name
}

function Get-ParameterValueSet {
    # The values a parameter takes, for {a | b} in the syntax: its [ValidateSet], else its enum.
    param([System.Management.Automation.ParameterMetadata] $Metadata)
    $validateSet = @($Metadata.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] })
    if ($validateSet) { return , @($validateSet[0].ValidValues) }
    $type = $Metadata.ParameterType
    if ($type.IsArray) { $type = $type.GetElementType() }
    $underlying = [Nullable]::GetUnderlyingType($type)
    if ($underlying) { $type = $underlying }
    if ($type.IsEnum -and -not $type.IsDefined([System.FlagsAttribute], $false)) { return , @([Enum]::GetNames($type)) }
    , @()
}

function Get-PipelineInputText {
    param([bool] $ByValue, [bool] $ByPropertyName)
    $kinds = @(if ($ByValue) { 'ByValue' }; if ($ByPropertyName) { 'ByPropertyName' })
    if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
}

function Get-CommandHelpModel {
    # Everything the MAML of one cmdlet says, from Get-Command's metadata and the doc members;
    # what is undocumented goes into $Problems.
    param(
        [System.Management.Automation.CmdletInfo] $Command,
        [hashtable] $Members,
        [System.Collections.Generic.List[string]] $Problems
    )
    $type = $Command.ImplementingType
    $typeId = 'T:' + (Get-DocTypeId $type)
    $member = $Members[$typeId]
    $synopsis = ''
    $description = @()
    $examples = @(); $inputs = @(); $outputs = @(); $links = @()
    if (-not $member) { $Problems.Add("$($Command.Name): no doc comment on its class ($typeId)") }
    else {
        $summary = $member.SelectSingleNode('summary')
        if ($summary) { $synopsis = (ConvertTo-DocParagraph $summary) -join ' ' }
        if (-not $synopsis) { $Problems.Add("$($Command.Name): no <summary> on $typeId (the synopsis)") }
        $remarks = $member.SelectSingleNode('remarks')
        if ($remarks) { $description = ConvertTo-DocParagraph $remarks }
        if (-not $description) { $Problems.Add("$($Command.Name): no <remarks> on $typeId (the description)") }
        $number = 0
        $examples = @(foreach ($example in $member.SelectNodes('example')) {
                $number++
                $code = @(foreach ($node in $example.SelectNodes('code')) { Format-DocCode $node.InnerText }) -join "`n`n"
                if (-not $code) { $Problems.Add("$($Command.Name): <example> $number on $typeId has no <code>") }
                [pscustomobject]@{ Number = $number; Code = $code; Remarks = ConvertTo-DocParagraph $example -Exclude 'code' }
            })
        foreach ($kind in 'inputType', 'outputType') {
            $entries = @(foreach ($node in $member.SelectNodes($kind)) {
                    $name = $node.GetAttribute('name').Trim()
                    if (-not $name) { $Problems.Add("$($Command.Name): an <$kind> on $typeId has no name attribute") }
                    [pscustomobject]@{ Name = $name; Description = ConvertTo-DocParagraph $node }
                })
            if ($kind -eq 'inputType') { $inputs = $entries } else { $outputs = $entries }
        }
        $links = @(foreach ($node in $member.SelectNodes('related')) {
                $text = ((Get-InlineText $node) -replace '\s+', ' ').Trim()
                $uri = $node.GetAttribute('uri').Trim()
                if (-not $uri -and $text -match '^https?://\S+$') { $uri = $text }
                if ($text -or $uri) { [pscustomobject]@{ Text = $text; Uri = $uri } }
            })
    }
    if (-not $outputs) {
        # No <outputType>: the cmdlet's [OutputType], undescribed.
        $outputs = @(foreach ($output in $Command.OutputType) { [pscustomobject]@{ Name = $output.Name; Description = @() } })
    }

    # Declaration order: the most-base class's properties first, each class's in metadata-token
    # (source) order, then its fields; for the doc, the most-derived declaration first.
    $names = @($Command.Parameters.Keys | Where-Object { $ExcludedParameters -notcontains $_ })
    $chain = [System.Collections.Generic.List[type]]::new()
    for ($t = $type; $t -and $t -ne [System.Management.Automation.PSCmdlet] -and $t -ne [System.Management.Automation.Cmdlet]; $t = $t.BaseType) { $chain.Insert(0, $t) }
    $flags = [System.Reflection.BindingFlags]'Public, Instance, DeclaredOnly'
    $order = [System.Collections.Generic.List[string]]::new()
    $declarations = @{}
    foreach ($t in $chain) {
        $declared = @($t.GetProperties($flags) | Sort-Object MetadataToken) + @($t.GetFields($flags) | Sort-Object MetadataToken)
        foreach ($declaration in $declared) {
            if ($names -notcontains $declaration.Name) { continue }
            if (-not $order.Contains($declaration.Name)) { $order.Add($declaration.Name) }
            if (-not $declarations.ContainsKey($declaration.Name)) { $declarations[$declaration.Name] = [System.Collections.Generic.List[object]]::new() }
            $declarations[$declaration.Name].Insert(0, $declaration)
        }
    }
    foreach ($name in 'WhatIf', 'Confirm') { if ($names -contains $name -and -not $order.Contains($name)) { $order.Add($name) } }
    foreach ($name in $names) {
        if (-not $order.Contains($name)) { $Problems.Add("$($Command.Name) -${name}: no public property or field declares it"); $order.Add($name) }
    }

    # Parameter sets: the default first, then the others in Get-Command's order.
    $sets = @($Command.ParameterSets | Where-Object IsDefault) + @($Command.ParameterSets | Where-Object { -not $_.IsDefault })
    $parameters = foreach ($name in $order) {
        $metadata = $Command.Parameters[$name]
        $isSwitch = $metadata.SwitchParameter
        $text = @(); $default = $null
        if ($ShouldProcessText.ContainsKey($name) -and -not $declarations.ContainsKey($name)) { $text = @($ShouldProcessText[$name]) }
        elseif ($declarations.ContainsKey($name)) {
            $tried = @()
            foreach ($declaration in $declarations[$name]) {
                $prefix = if ($declaration -is [System.Reflection.FieldInfo]) { 'F:' } else { 'P:' }
                $id = $prefix + (Get-DocTypeId $declaration.DeclaringType) + '.' + $declaration.Name
                $tried += $id
                $doc = $Members[$id]
                if (-not $doc) { continue }
                $summary = $doc.SelectSingleNode('summary')
                if ($summary) { $text = ConvertTo-DocParagraph $summary }
                $defaultNode = $doc.SelectSingleNode('default')
                if ($defaultNode) { $default = ((Get-InlineText $defaultNode) -replace '\s+', ' ').Trim() }
                if ($text) { break }   # else (<inheritdoc/>, say) the declaration it overrides or hides
            }
            if (-not $text) { $Problems.Add("$($Command.Name) -${name}: no <summary> on $($tried -join ' or ')") }
        }
        if (-not $default) { $default = if ($isSwitch) { 'False' } else { 'None' } }
        $inSets = @(foreach ($set in $sets) { $set.Parameters | Where-Object Name -EQ $name })
        $positioned = @($inSets | Where-Object { $_.Position -ge 0 })
        [pscustomobject]@{
            Name           = $name
            Description    = $text
            TypeName       = Get-ShortTypeName $metadata.ParameterType
            IsSwitch       = $isSwitch
            Values         = Get-ParameterValueSet $metadata
            Required       = [bool]($inSets | Where-Object IsMandatory)
            Position       = if ($positioned) { [string]($positioned[0].Position + 1) } else { 'named' }
            PipelineInput  = Get-PipelineInputText ([bool]($inSets | Where-Object ValueFromPipeline)) ([bool]($inSets | Where-Object ValueFromPipelineByPropertyName))
            Globbing       = [bool]($metadata.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
            Aliases        = if ($metadata.Aliases.Count) { $metadata.Aliases -join ', ' } else { 'none' }
            DefaultValue   = $default
        }
    }
    $byName = @{}
    foreach ($parameter in $parameters) { $byName[$parameter.Name] = $parameter }
    $syntax = foreach ($set in $sets) {
        $inSet = @($set.Parameters | Where-Object { $byName.ContainsKey($_.Name) })
        $sorted = @($inSet | Where-Object { $_.Position -ge 0 } | Sort-Object Position) +
        @($inSet | Where-Object { $_.Position -lt 0 } | Sort-Object { $order.IndexOf($_.Name) })
        [pscustomobject]@{
            Name       = $set.Name
            Parameters = @(foreach ($info in $sorted) {
                    [pscustomobject]@{
                        Parameter     = $byName[$info.Name]
                        Required      = $info.IsMandatory
                        Position      = if ($info.Position -ge 0) { [string]($info.Position + 1) } else { 'named' }
                        PipelineInput = Get-PipelineInputText $info.ValueFromPipeline $info.ValueFromPipelineByPropertyName
                    }
                })
        }
    }
    [pscustomobject]@{
        Name        = $Command.Name
        Verb        = $Command.Verb
        Noun        = $Command.Noun
        Synopsis    = $synopsis
        Description = $description
        Syntax      = @($syntax)
        Parameters  = @($parameters)
        Inputs      = $inputs
        Outputs     = $outputs
        Examples    = $examples
        Links       = $links
    }
}

function Write-MamlParagraph {
    # <maml:description> (or another element) holding one <maml:para> per paragraph.
    param([System.Xml.XmlWriter] $Writer, [string[]] $Paragraph, [string] $Element = 'description', [string] $Prefix = 'maml', [string] $Namespace = $MamlNamespace)
    $Writer.WriteStartElement($Prefix, $Element, $Namespace)
    foreach ($text in $Paragraph) { $Writer.WriteElementString('maml', 'para', $MamlNamespace, $text) }
    $Writer.WriteEndElement()
}

function Write-MamlParameter {
    # One <command:parameter>, in a syntax item (with that set's required/position/pipeline) or in
    # the parameters section.
    param([System.Xml.XmlWriter] $Writer, $Parameter, [bool] $Required, [string] $Position, [string] $PipelineInput, [switch] $InSyntax)
    $Writer.WriteStartElement('command', 'parameter', $CommandNamespace)
    $Writer.WriteAttributeString('required', $Required.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', 'true')
    $Writer.WriteAttributeString('globbing', $Parameter.Globbing.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', $PipelineInput)
    $Writer.WriteAttributeString('position', $Position)
    $Writer.WriteAttributeString('aliases', $Parameter.Aliases)
    $Writer.WriteElementString('maml', 'name', $MamlNamespace, $Parameter.Name)
    Write-MamlParagraph $Writer $Parameter.Description
    if ($InSyntax -and $Parameter.Values.Count) {
        $Writer.WriteStartElement('command', 'parameterValueGroup', $CommandNamespace)
        foreach ($value in $Parameter.Values) {
            $Writer.WriteStartElement('command', 'parameterValue', $CommandNamespace)
            $Writer.WriteAttributeString('required', 'false')
            $Writer.WriteAttributeString('command', 'variableLength', $CommandNamespace, 'false')
            $Writer.WriteString($value)
            $Writer.WriteEndElement()
        }
        $Writer.WriteEndElement()
    }
    if (-not $Parameter.IsSwitch) {
        $Writer.WriteStartElement('command', 'parameterValue', $CommandNamespace)
        $Writer.WriteAttributeString('required', 'true')
        $Writer.WriteAttributeString('variableLength', 'false')
        $Writer.WriteString($Parameter.TypeName)
        $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('dev', 'type', $DevNamespace)
    $Writer.WriteElementString('maml', 'name', $MamlNamespace, $Parameter.TypeName)
    $Writer.WriteElementString('maml', 'uri', $MamlNamespace, '')
    $Writer.WriteEndElement()
    $Writer.WriteElementString('dev', 'defaultValue', $DevNamespace, $Parameter.DefaultValue)
    $Writer.WriteEndElement()
}

function Write-MamlTypeList {
    # <command:inputTypes> or <command:returnValues>.
    param([System.Xml.XmlWriter] $Writer, [string] $List, [string] $Item, [object[]] $Entry)
    if (-not $Entry) { return }   # no section rather than an empty heading
    $Writer.WriteStartElement('command', $List, $CommandNamespace)
    foreach ($type in $Entry) {
        $Writer.WriteStartElement('command', $Item, $CommandNamespace)
        $Writer.WriteStartElement('dev', 'type', $DevNamespace)
        $Writer.WriteElementString('maml', 'name', $MamlNamespace, $type.Name)
        $Writer.WriteEndElement()
        Write-MamlParagraph $Writer $type.Description
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

function Write-MamlCommand {
    param([System.Xml.XmlWriter] $Writer, $Help)
    $Writer.WriteStartElement('command', 'command', $CommandNamespace)
    $Writer.WriteAttributeString('xmlns', 'maml', $null, $MamlNamespace)
    $Writer.WriteAttributeString('xmlns', 'command', $null, $CommandNamespace)
    $Writer.WriteAttributeString('xmlns', 'dev', $null, $DevNamespace)

    $Writer.WriteStartElement('command', 'details', $CommandNamespace)
    $Writer.WriteElementString('command', 'name', $CommandNamespace, $Help.Name)
    $Writer.WriteElementString('command', 'verb', $CommandNamespace, $Help.Verb)
    $Writer.WriteElementString('command', 'noun', $CommandNamespace, $Help.Noun)
    Write-MamlParagraph $Writer @($Help.Synopsis)
    $Writer.WriteEndElement()

    Write-MamlParagraph $Writer $Help.Description

    $Writer.WriteStartElement('command', 'syntax', $CommandNamespace)
    foreach ($item in $Help.Syntax) {
        $Writer.WriteStartElement('command', 'syntaxItem', $CommandNamespace)
        $Writer.WriteElementString('maml', 'name', $MamlNamespace, $Help.Name)
        foreach ($entry in $item.Parameters) {
            Write-MamlParameter -Writer $Writer -Parameter $entry.Parameter -Required $entry.Required -Position $entry.Position -PipelineInput $entry.PipelineInput -InSyntax
        }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'parameters', $CommandNamespace)
    foreach ($parameter in $Help.Parameters) {
        Write-MamlParameter -Writer $Writer -Parameter $parameter -Required $parameter.Required -Position $parameter.Position -PipelineInput $parameter.PipelineInput
    }
    $Writer.WriteEndElement()

    Write-MamlTypeList -Writer $Writer -List 'inputTypes' -Item 'inputType' -Entry $Help.Inputs
    Write-MamlTypeList -Writer $Writer -List 'returnValues' -Item 'returnValue' -Entry $Help.Outputs

    if ($Help.Examples) { $Writer.WriteStartElement('command', 'examples', $CommandNamespace) }
    foreach ($example in $Help.Examples) {
        $Writer.WriteStartElement('command', 'example', $CommandNamespace)
        $Writer.WriteElementString('maml', 'title', $MamlNamespace, "-------------------------- EXAMPLE $($example.Number) --------------------------")
        $Writer.WriteElementString('dev', 'code', $DevNamespace, $example.Code)
        Write-MamlParagraph $Writer $example.Remarks -Element 'remarks' -Prefix 'dev' -Namespace $DevNamespace
        $Writer.WriteEndElement()
    }
    if ($Help.Examples) { $Writer.WriteEndElement() }

    if ($Help.Links) { $Writer.WriteStartElement('maml', 'relatedLinks', $MamlNamespace) }
    foreach ($link in $Help.Links) {
        $Writer.WriteStartElement('maml', 'navigationLink', $MamlNamespace)
        $Writer.WriteElementString('maml', 'linkText', $MamlNamespace, $link.Text)
        $Writer.WriteElementString('maml', 'uri', $MamlNamespace, $link.Uri)
        $Writer.WriteEndElement()
    }
    if ($Help.Links) { $Writer.WriteEndElement() }

    $Writer.WriteEndElement()
}

# The inputs.
$assemblyFile = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($AssemblyPath)
$documentationFile = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($DocumentationPath)
$outputFile = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($OutputPath)
if (-not (Test-Path -LiteralPath $assemblyFile -PathType Leaf)) { throw "The assembly $assemblyFile does not exist: build it first." }
if (-not (Test-Path -LiteralPath $documentationFile -PathType Leaf)) {
    throw "The XML documentation file $documentationFile does not exist: compile $assemblyFile with its documentation output (GenerateDocumentationFile, or Emit's xmlDocumentationStream)."
}
$settings = [System.Xml.XmlReaderSettings]@{ DtdProcessing = 'Prohibit'; XmlResolver = $null }
$reader = [System.Xml.XmlReader]::Create($documentationFile, $settings)
try {
    $document = [System.Xml.XmlDocument]::new()
    $document.Load($reader)
}
catch { throw "The XML documentation file $documentationFile is not valid XML: $($_.Exception.Message)" }
finally { $reader.Dispose() }
if (-not $document.DocumentElement -or $document.DocumentElement.LocalName -ne 'doc' -or -not $document.SelectSingleNode('/doc/members')) {
    throw "$documentationFile is not a C# XML documentation file (no /doc/members)."
}
$members = @{}
foreach ($member in $document.SelectNodes('/doc/members/member')) {
    $name = $member.GetAttribute('name')
    if ($name -and -not $members.ContainsKey($name)) { $members[$name] = $member }
}

$module = Import-Module -Name $assemblyFile -PassThru -ErrorAction Stop -Verbose:$false
$assembly = $module.ImplementingAssembly
$documentedAssembly = $document.SelectSingleNode('/doc/assembly/name')
if ($documentedAssembly -and $assembly -and $documentedAssembly.InnerText.Trim() -ne $assembly.GetName().Name) {
    throw "$documentationFile documents the assembly '$($documentedAssembly.InnerText.Trim())', not '$($assembly.GetName().Name)' ($assemblyFile)."
}
$commands = @(Get-Command -Module $module.Name -CommandType Cmdlet -ListImported |
        Where-Object { $_.ImplementingType.Assembly -eq $assembly } | Sort-Object Name)
if (-not $commands) { throw "$assemblyFile has no cmdlets: there is no help to generate." }

$problems = [System.Collections.Generic.List[string]]::new()
$helps = @(foreach ($command in $commands) { Get-CommandHelpModel -Command $command -Members $members -Problems $problems })
if ($problems.Count) {
    throw ("The help of $assemblyFile would be incomplete; document these in the C# source ($documentationFile):`n  " + ($problems -join "`n  "))
}

# The output, atomically: a temporary file beside it, then a rename over it.
$directory = Split-Path -Parent $outputFile
if ($directory -and -not (Test-Path -LiteralPath $directory)) { $null = New-Item -ItemType Directory -Force -Path $directory }
$temporary = "$outputFile.$([guid]::NewGuid().ToString('n')).tmp"
$writerSettings = [System.Xml.XmlWriterSettings]@{
    Encoding         = [System.Text.UTF8Encoding]::new($false)
    Indent           = $true
    IndentChars      = '  '
    NewLineChars     = "`n"
    NewLineHandling  = 'Replace'
    CloseOutput      = $true
}
try {
    $writer = [System.Xml.XmlWriter]::Create($temporary, $writerSettings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteStartElement('helpItems', 'http://msh')
        $writer.WriteAttributeString('schema', 'maml')
        foreach ($help in $helps) { Write-MamlCommand $writer $help }
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    }
    finally { $writer.Dispose() }
    [System.IO.File]::Move($temporary, $outputFile, $true)
}
finally {
    if (Test-Path -LiteralPath $temporary) { Remove-Item -LiteralPath $temporary -Force }
}
Write-Verbose "Wrote the help of $($helps.Count) cmdlet(s) ($(($helps | ForEach-Object Name) -join ', ')) to $outputFile"
