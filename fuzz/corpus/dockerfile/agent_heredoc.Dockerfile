# syntax=docker/dockerfile:1
FROM node:20-slim
WORKDIR /opt/claude-agent
RUN mkdir -p /opt/claude-agent && cat > /opt/claude-agent/claude-agent.js << 'EOF'
const url = process.env.VF_CALLBACK_URL;
const line = `${JSON.stringify({ type: "text" })}\n`;
  EOF
EOF
CMD ["node", "/opt/claude-agent/claude-agent.js"]
